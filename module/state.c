// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin connection state and timeouts: just enough TCP tracking to
 * pick a timeout (no window tracking: the end hosts check sequence numbers),
 * UDP replied or not, ICMP echo.
 *
 * New TCP connections start only with a SYN (no ACK, no RST): a stray ACK
 * or RST that matches a port forward passes untranslated and creates
 * nothing, as nf_conntrack with nf_conntrack_tcp_loose=0.  A connection
 * that expired mid-stream is therefore not picked up again; its peers see
 * a reset and reconnect.
 *
 * The state byte is updated with cmpxchg() and no lock: two CPUs handling
 * the two directions at once each move it from what they read.
 */
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/nf_hairpin.h>

#include "nf_hairpin.h"
#include "conn.h"
#include "state.h"

/* RST: the connection is gone, keep it briefly for stragglers. */
#define NFHP_TCP_CLOSE_TIMEOUT	(10 * HZ)

static const struct tcphdr *tcp_hdr_at(const struct sk_buff *skb,
				       unsigned int l4off)
{
	/* The hooks pulled a whole struct tcphdr (xlate.c). */
	return (const struct tcphdr *)(skb_network_header(skb) + l4off);
}

bool nfhp_state_new_ok(u8 proto, const struct sk_buff *skb,
		       unsigned int l4off)
{
	const struct tcphdr *th;

	if (proto != IPPROTO_TCP)
		return true;
	th = tcp_hdr_at(skb, l4off);
	return th->syn && !th->ack && !th->rst && !th->fin;
}

static u8 state_initial(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return NFHP_CONN_S_SYN_SENT;
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

static unsigned long state_timeout(struct nfhp_net *hn, u8 proto, u8 state)
{
	switch (proto) {
	case IPPROTO_TCP:
		switch (state) {
		case NFHP_CONN_S_ESTABLISHED:
			return READ_ONCE(hn->cfg.tcp_established);
		case NFHP_CONN_S_TIME_WAIT:
			return READ_ONCE(hn->cfg.tcp_time_wait);
		case NFHP_CONN_S_CLOSE:
			return min_t(unsigned long, NFHP_TCP_CLOSE_TIMEOUT,
				     READ_ONCE(hn->cfg.tcp_time_wait));
		default:
			return READ_ONCE(hn->cfg.tcp_transitory);
		}
	case IPPROTO_UDP:
		return READ_ONCE(hn->cfg.udp);
	default:
		return READ_ONCE(hn->cfg.icmp);
	}
}

bool nfhp_state_closing(const struct nfhp_conn *c)
{
	u8 s = READ_ONCE(c->state);

	return c->proto == IPPROTO_TCP &&
	       (s == NFHP_CONN_S_TIME_WAIT || s == NFHP_CONN_S_CLOSE);
}

void nfhp_state_start(struct nfhp_net *hn, struct nfhp_conn *c)
{
	c->state = state_initial(c->proto);
	c->timeout = (u32)jiffies + (u32)state_timeout(hn, c->proto, c->state);
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
	u8 old, new;

	if (dir == NFHP_DIR_REPLY &&
	    !(READ_ONCE(c->flags) & NFHP_CONN_F_REPLIED))
		WRITE_ONCE(c->flags, READ_ONCE(c->flags) | NFHP_CONN_F_REPLIED);

	old = READ_ONCE(c->state);
	switch (c->proto) {
	case IPPROTO_TCP:
		do {
			new = tcp_next(old, dir, tcp_hdr_at(skb, l4off));
			if (new == old)
				break;
		} while (!try_cmpxchg(&c->state, &old, new));
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
	set_timeout(c, state_timeout(hn, c->proto, new));
}
