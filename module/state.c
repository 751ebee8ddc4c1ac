// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin connection state and timeouts: enough TCP tracking to pick a
 * timeout and to tell a connection's own RST and FIN from a blind one, UDP
 * replied or not, ICMP queries (cfg.icmp), other protocols translated by
 * address (as UDP: udp_unreplied until the first reply, then udp).
 *
 * A port forward (DNAT rule, Internet-facing) starts a TCP connection only
 * with a SYN (no ACK, no RST): a stray ACK or RST passes untranslated and
 * creates nothing, as nf_conntrack with nf_conntrack_tcp_loose=0; the
 * peers of a forward whose entry went see a reset and reconnect.
 *
 * An SNAT rule (masquerade) would leak the private source of a segment it
 * lets pass, so there (nfhp_state_new_snat()) a segment with ACK and
 * without SYN or RST takes the connection up mid-stream, as nf_conntrack
 * does with tcp_loose=1 (its entry was flushed, expired, or the module was
 * reloaded; NFHP_STAT_TCP_PICKUP), and an RST, SYN/ACK or flagless segment
 * without a connection is dropped (counted in NFHP_STAT_TCP_OUT_OF_WINDOW):
 * nf_conntrack finds these invalid too.  Dropping them costs nothing: the
 * peer's next segment reaches the router, which has no socket for it and
 * answers with its own reset.  A UDP datagram, an ICMP query request or a
 * packet of another protocol starts a connection; an ICMP query reply
 * without one passes (it answers a request that reached the private
 * address itself).
 *
 * Sequence numbers
 * ----------------
 * Per direction we keep one number, the highest sequence end (seq + len +
 * SYN + FIN) of the segments seen (nfhp_conn.seq_end), learnt from the SYN
 * and the SYN/ACK when the connection starts with a SYN.  One taken up
 * mid-stream learns its original direction's end from the segment that
 * opens it and its reply's from the first reply segment that acknowledges
 * within NFHP_TCP_WINDOW of that end (a blind segment hits that range once
 * in 2048 tries, as a forged SYN/ACK would); until then
 * (NFHP_CONN_F_PICKUP) no other reply segment moves its state, its timeout
 * is at most tcp_syn and it may be evicted from a full table, like a
 * connection still in its handshake.  A segment that would move the state
 * (RST, FIN, SYN/ACK, the ACK that completes the handshake) moves it only
 * if its sequence number lies within NFHP_TCP_WINDOW of its sender's end,
 * either side (the SYN/ACK and an RST answering a SYN: if it acknowledges
 * the SYN within that window; the ACK completing the handshake: if it also
 * acknowledges the SYN/ACK so).  Only such segments move the end on.
 *
 * The end hosts still see every segment, translated: RFC 5961 is theirs to
 * apply (an RST exactly at RCV.NXT resets, one elsewhere in the window gets
 * a challenge ACK, an ordinary ACK that passes here like any other).  We
 * only refuse to let a segment that does not belong to the connection
 * shorten its life: a blind RST used to move an idle forward to CLOSE
 * (10 s), a blind FIN cut 7440 s to 240 s.  Such a segment is counted
 * (NFHP_STAT_TCP_OUT_OF_WINDOW).
 *
 * NFHP_TCP_WINDOW is fixed: nf_conntrack accepts an RST within the
 * receiver's advertised window, which we do not track (8 bytes were left in
 * struct nfhp_conn).  A legitimate RST carries the sender's SND.NXT, at
 * or just past the end we saw (tcp_send_active_reset()), or, from a host
 * that lost the connection, the ACK it was sent, behind the end by at most
 * what is in flight, i.e. the receiver's window; 1 MiB covers that for all
 * but very fast long paths (where a late RST then leaves the entry to
 * expire instead).  A blind attacker who knows the 4-tuple hits the
 * 2 MiB range with one segment in 2^32 / 2^21 = 2048, as against
 * nf_conntrack's one in 2^32 / window (one in 65536 for a 64 KiB window,
 * one in 1365 for a 3 MiB one).
 *
 * The state byte is updated with cmpxchg() and the ends with cmpxchg() or
 * WRITE_ONCE(), no lock: two CPUs handling the two directions at once each
 * move them from what they read.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/nf_hairpin.h>

#include "nf_hairpin.h"
#include "conn.h"
#include "state.h"

/* RST: the connection is gone, keep it briefly for stragglers. */
#define NFHP_TCP_CLOSE_TIMEOUT	(10 * HZ)

/* How far a segment's sequence number may be from its sender's end. */
#define NFHP_TCP_WINDOW		(1U << 20)

static const struct tcphdr *tcp_hdr_at(const struct sk_buff *skb,
				       unsigned int l4off)
{
	/* The hooks pulled a whole struct tcphdr (xlate.c). */
	return (const struct tcphdr *)(skb_network_header(skb) + l4off);
}

static bool tcp_syn_only(const struct tcphdr *th)
{
	return th->syn && !th->ack && !th->rst && !th->fin;
}

static bool icmp_request(const struct sk_buff *skb, unsigned int l4off)
{
	/* The hooks pulled a whole struct icmphdr (xlate.c). */
	switch (((const struct icmphdr *)(skb_network_header(skb) +
					  l4off))->type) {
	case ICMP_ECHO:
	case ICMP_TIMESTAMP:
	case ICMP_INFO_REQUEST:
	case ICMP_ADDRESS:
		return true;
	default:
		return false;
	}
}

bool nfhp_state_new_ok(u8 proto, const struct sk_buff *skb,
		       unsigned int l4off)
{
	switch (proto) {
	case IPPROTO_TCP:
		return tcp_syn_only(tcp_hdr_at(skb, l4off));
	case IPPROTO_ICMP:
		return icmp_request(skb, l4off);
	default:
		return true;
	}
}

enum nfhp_new nfhp_state_new_snat(u8 proto, const struct sk_buff *skb,
				  unsigned int l4off)
{
	const struct tcphdr *th;

	if (proto != IPPROTO_TCP)
		return nfhp_state_new_ok(proto, skb, l4off) ? NFHP_NEW_START :
							      NFHP_NEW_PASS;
	th = tcp_hdr_at(skb, l4off);
	if (tcp_syn_only(th))
		return NFHP_NEW_START;
	if (th->ack && !th->syn && !th->rst)
		return NFHP_NEW_PICKUP;
	return NFHP_NEW_DROP;
}

static u8 state_initial(u8 proto, const struct tcphdr *th)
{
	switch (proto) {
	case IPPROTO_TCP:
		if (th->syn)
			return NFHP_CONN_S_SYN_SENT;
		/* taken up mid-stream (nfhp_state_new_snat()) */
		return th->fin ? NFHP_CONN_S_FIN_WAIT :
				 NFHP_CONN_S_ESTABLISHED;
	case IPPROTO_UDP:
		return NFHP_CONN_S_UDP_UNREPLIED;
	default:
		return NFHP_CONN_S_NONE;
	}
}

static u8 tcp_next(u8 old, enum nfhp_dir dir, const struct tcphdr *th)
{
	if (th->rst)
		return NFHP_CONN_S_CLOSE;
	switch (old) {
	case NFHP_CONN_S_SYN_SENT:
		/* SYN/ACK, or the other side's SYN in a simultaneous open */
		if (dir == NFHP_DIR_REPLY && th->syn)
			return NFHP_CONN_S_SYN_RECV;
		break;
	case NFHP_CONN_S_SYN_RECV:
		if (th->fin)
			return dir == NFHP_DIR_ORIG ? NFHP_CONN_S_FIN_WAIT :
						      NFHP_CONN_S_CLOSE_WAIT;
		if (th->ack && !th->syn)
			return NFHP_CONN_S_ESTABLISHED;
		break;
	case NFHP_CONN_S_ESTABLISHED:
		if (th->fin)
			return dir == NFHP_DIR_ORIG ? NFHP_CONN_S_FIN_WAIT :
						      NFHP_CONN_S_CLOSE_WAIT;
		break;
	case NFHP_CONN_S_FIN_WAIT:	/* the client closed */
		if (th->fin && dir == NFHP_DIR_REPLY)
			return NFHP_CONN_S_LAST_ACK;
		break;
	case NFHP_CONN_S_CLOSE_WAIT:	/* the server closed */
		if (th->fin && dir == NFHP_DIR_ORIG)
			return NFHP_CONN_S_LAST_ACK;
		break;
	case NFHP_CONN_S_LAST_ACK:	/* both closed: the last ACK */
		if (th->ack && !th->fin && !th->syn)
			return NFHP_CONN_S_TIME_WAIT;
		break;
	case NFHP_CONN_S_TIME_WAIT:
	case NFHP_CONN_S_CLOSE:
		/* the client reuses the tuple: a new connection, same mapping */
		if (dir == NFHP_DIR_ORIG && th->syn && !th->ack)
			return NFHP_CONN_S_SYN_SENT;
		break;
	}
	return old;
}

static unsigned long tcp_timeout(struct nfhp_net *hn, u8 state)
{
	switch (state) {
	case NFHP_CONN_S_ESTABLISHED:
		return READ_ONCE(hn->cfg.tcp_established);
	case NFHP_CONN_S_SYN_SENT:
	case NFHP_CONN_S_SYN_RECV:
		return READ_ONCE(hn->cfg.tcp_syn);
	case NFHP_CONN_S_TIME_WAIT:
		return READ_ONCE(hn->cfg.tcp_time_wait);
	case NFHP_CONN_S_CLOSE:
		return min_t(unsigned long, NFHP_TCP_CLOSE_TIMEOUT,
			     READ_ONCE(hn->cfg.tcp_time_wait));
	default:
		return READ_ONCE(hn->cfg.tcp_transitory);
	}
}

/* The timeout of @c in state @state, @flags its flags. */
static unsigned long state_timeout(struct nfhp_net *hn,
				   const struct nfhp_conn *c, u8 state,
				   u8 flags)
{
	switch (c->proto) {
	case IPPROTO_TCP:
		if (flags & NFHP_CONN_F_PICKUP)	/* not confirmed yet */
			return min(tcp_timeout(hn, state),
				   READ_ONCE(hn->cfg.tcp_syn));
		return tcp_timeout(hn, state);
	case IPPROTO_UDP:
		if (state == NFHP_CONN_S_UDP_UNREPLIED)
			return READ_ONCE(hn->cfg.udp_unreplied);
		return READ_ONCE(hn->cfg.udp);
	case IPPROTO_ICMP:
		return READ_ONCE(hn->cfg.icmp);
	default:		/* translated by address: timed as UDP */
		if (!(flags & NFHP_CONN_F_REPLIED))
			return READ_ONCE(hn->cfg.udp_unreplied);
		return READ_ONCE(hn->cfg.udp);
	}
}

/* Set flag @f of @c, which other CPUs may be changing too. */
static void flags_set(struct nfhp_conn *c, u8 f)
{
	u8 old = READ_ONCE(c->flags);

	while (!(old & f) && !try_cmpxchg(&c->flags, &old, old | f))
		;
}

bool nfhp_state_closing(const struct nfhp_conn *c)
{
	u8 s = READ_ONCE(c->state);

	return c->proto == IPPROTO_TCP &&
	       (s == NFHP_CONN_S_TIME_WAIT || s == NFHP_CONN_S_CLOSE);
}

/*
 * Whether @c may be evicted from a full table: it never got a reply (UDP,
 * ICMP, others) or was never established (TCP), or was taken up mid-stream
 * and got no reply that acknowledged what it sent.
 */
bool nfhp_state_unconfirmed(const struct nfhp_conn *c)
{
	u8 s = READ_ONCE(c->state);

	if (c->proto == IPPROTO_TCP)
		return s == NFHP_CONN_S_SYN_SENT ||
		       s == NFHP_CONN_S_SYN_RECV ||
		       (READ_ONCE(c->flags) & NFHP_CONN_F_PICKUP);
	return !(READ_ONCE(c->flags) & NFHP_CONN_F_REPLIED);
}

/* Sequence end of TCP segment @th: seq + payload + SYN + FIN. */
static u32 tcp_seg_end(const struct sk_buff *skb, unsigned int l4off,
		       const struct tcphdr *th)
{
	unsigned int tot = ntohs(ip_hdr(skb)->tot_len);
	unsigned int hdr = l4off + th->doff * 4;
	u32 len = tot > hdr ? tot - hdr : 0;

	return ntohl(th->seq) + len + th->syn + th->fin;
}

static bool seq_near(u32 seq, u32 end)
{
	return seq - end + NFHP_TCP_WINDOW <= 2 * NFHP_TCP_WINDOW;
}

static bool acks_near(const struct tcphdr *th, u32 end)
{
	return th->ack && seq_near(ntohl(th->ack_seq), end);
}

/*
 * Whether segment @th, travelling @dir in state @s, belongs to @c as far
 * as its sequence numbers tell (see the top of the file).
 */
static bool tcp_in_window(const struct nfhp_conn *c, u8 s, u8 flags,
			  enum nfhp_dir dir, const struct tcphdr *th)
{
	u32 orig_end = READ_ONCE(c->seq_end[NFHP_DIR_ORIG]);

	if (th->syn) {
		/* SYN with FIN or RST: no stack sends it (conntrack's
		 * tcp_valid_flags()), and it must not move FIN/RST states.
		 */
		if (th->fin || th->rst)
			return false;
		if (dir == NFHP_DIR_ORIG)	/* a new attempt: learnt */
			return !th->ack && (s == NFHP_CONN_S_SYN_SENT ||
					    s == NFHP_CONN_S_TIME_WAIT ||
					    s == NFHP_CONN_S_CLOSE);
		/* SYN/ACK (or the SYN of a simultaneous open) */
		return (s == NFHP_CONN_S_SYN_SENT ||
			s == NFHP_CONN_S_SYN_RECV) &&
		       (!th->ack || acks_near(th, orig_end));
	}
	/* The reply's initial sequence number is not known yet: only an RST
	 * refusing the SYN, which acknowledges it (RFC 793 3.4), is its own.
	 */
	if (dir == NFHP_DIR_REPLY && s == NFHP_CONN_S_SYN_SENT)
		return th->rst && acks_near(th, orig_end);
	/* Taken up mid-stream, the reply's end unknown: it is learnt from
	 * a reply that acknowledges what the original direction sent.
	 */
	if (dir == NFHP_DIR_REPLY && (flags & NFHP_CONN_F_PICKUP))
		return acks_near(th, orig_end);
	if (!seq_near(ntohl(th->seq), READ_ONCE(c->seq_end[dir])))
		return false;
	/* The ACK completing the handshake acknowledges the SYN/ACK. */
	if (s == NFHP_CONN_S_SYN_RECV && dir == NFHP_DIR_ORIG &&
	    !th->rst && !th->fin)
		return acks_near(th, READ_ONCE(c->seq_end[NFHP_DIR_REPLY]));
	return true;
}

/* Learn from in-window segment @th: a SYN sets its direction's end, as
 * does the first reply of a connection taken up mid-stream; any other
 * moves it on.
 */
static void tcp_learn(struct nfhp_conn *c, u8 flags, enum nfhp_dir dir,
		      const struct tcphdr *th, u32 end)
{
	u32 cur;

	if (th->syn) {		/* only where tcp_in_window() lets one in */
		WRITE_ONCE(c->seq_end[dir], end);
		return;
	}
	if (dir == NFHP_DIR_REPLY && (flags & NFHP_CONN_F_PICKUP)) {
		WRITE_ONCE(c->seq_end[dir], end);
		/* Ordered: whoever sees the flag clear sees the end. */
		smp_wmb();
		flags = READ_ONCE(c->flags);
		while ((flags & NFHP_CONN_F_PICKUP) &&
		       !try_cmpxchg(&c->flags, &flags,
				    flags & ~NFHP_CONN_F_PICKUP))
			;
		return;
	}
	cur = READ_ONCE(c->seq_end[dir]);
	while ((s32)(end - cur) > 0 &&
	       !try_cmpxchg(&c->seq_end[dir], &cur, end))
		;
}

/*
 * The state segment @th moves @c to.  *@blind: it would have moved it but
 * is not the connection's; it leaves the timeout alone too.
 */
static u8 tcp_update(struct nfhp_net *hn, struct nfhp_conn *c,
		     enum nfhp_dir dir, const struct sk_buff *skb,
		     unsigned int l4off, bool *blind)
{
	const struct tcphdr *th = tcp_hdr_at(skb, l4off);
	u8 old = READ_ONCE(c->state), new;
	/* Read before the ends: paired with the smp_wmb() in tcp_learn(). */
	u8 flags = smp_load_acquire(&c->flags);

	if (!tcp_in_window(c, old, flags, dir, th)) {
		/* Passed on all the same (the end host decides); counted if
		 * it would have moved the state.
		 */
		*blind = tcp_next(old, dir, th) != old;
		if (*blind)
			nfhp_stat_inc(hn, NFHP_STAT_TCP_OUT_OF_WINDOW);
		return old;
	}
	tcp_learn(c, flags, dir, th, tcp_seg_end(skb, l4off, th));
	do {
		new = tcp_next(old, dir, th);
		if (new == old)
			break;
	} while (!try_cmpxchg(&c->state, &old, new));
	return new;
}

void nfhp_state_start(struct nfhp_net *hn, struct nfhp_conn *c,
		      const struct sk_buff *skb, unsigned int l4off)
{
	const struct tcphdr *th = NULL;

	if (c->proto == IPPROTO_TCP) {
		th = tcp_hdr_at(skb, l4off);
		c->seq_end[NFHP_DIR_ORIG] = tcp_seg_end(skb, l4off, th);
		if (!th->syn)
			c->flags |= NFHP_CONN_F_PICKUP;
	}
	c->state = state_initial(c->proto, th);
	c->timeout = (u32)jiffies +
		     (u32)state_timeout(hn, c, c->state, c->flags);
}

static void set_timeout(struct nfhp_conn *c, unsigned long tmo)
{
	u32 t = (u32)jiffies + (u32)tmo;

	/* Write only when it moves by more than a second: a busy connection
	 * does not bounce its cache line between CPUs on every packet.
	 */
	if (abs((s32)(t - READ_ONCE(c->timeout))) > HZ)
		WRITE_ONCE(c->timeout, t);
}

void nfhp_state_update(struct nfhp_net *hn, struct nfhp_conn *c,
		       enum nfhp_dir dir, const struct sk_buff *skb,
		       unsigned int l4off)
{
	bool blind = false;
	u8 old, new;

	if (dir == NFHP_DIR_REPLY)
		flags_set(c, NFHP_CONN_F_REPLIED);

	old = READ_ONCE(c->state);
	switch (c->proto) {
	case IPPROTO_TCP:
		new = tcp_update(hn, c, dir, skb, l4off, &blind);
		if (blind)
			return;
		break;
	case IPPROTO_UDP:
		new = dir == NFHP_DIR_REPLY ? NFHP_CONN_S_UDP_REPLIED : old;
		if (new != old)
			WRITE_ONCE(c->state, new);
		break;
	default:
		new = old;
		break;
	}
	set_timeout(c, state_timeout(hn, c, new, READ_ONCE(c->flags)));
}
