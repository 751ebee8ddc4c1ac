// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin netfilter hooks: the packet path.
 *
 * Where things happen
 * -------------------
 * Every packet passes one hook before routing (PREROUTING, or LOCAL_OUT
 * for the router's own) and one after (POSTROUTING, or LOCAL_IN for what
 * is delivered locally).  Before routing we rewrite destinations: DNAT of
 * the original direction, un-SNAT of replies.  After routing, sources: SNAT
 * of the original direction, un-DNAT of replies.  Rewriting a source before
 * routing would not work: a packet from one of the router's own addresses
 * arriving on an interface is a martian.
 *
 * A connection is created by the first packet that matches a rule, and
 * only then are the rules consulted; later packets find their connection
 * in the table (conn.c) with one lookup per hook and take no lock.
 *
 * - A DNAT rule matches before routing.  The packet is translated there,
 *   then routed at once (ip_route_input_noref(), whose result the stack
 *   keeps) so that the SNAT decision, which depends on the output
 *   interface, is taken together and the connection goes into the table
 *   complete.  Its tuples never change afterwards.
 * - An SNAT rule that matches a connection-less packet in POSTROUTING makes
 *   an SNAT-only connection (a LAN host masqueraded to the Internet).
 *
 * SNAT for a DNAT'd connection: the first SNAT rule that matches it as it
 * leaves (after DNAT), else, unless the DNAT rule says noreflect, loopback
 * SNAT ("reflection") when the server would otherwise answer the client
 * directly: the packet leaves through the interface the client's address
 * is on-link on (a route to the client without a gateway, through the same
 * interface).  A client on another network keeps its address.
 *
 * A connection can be created by a packet the filter table then drops.
 * nf_conntrack creates its entry at PREROUTING too but inserts it only at
 * the end of the path (confirmation), so a dropped packet leaves nothing.
 * We do not: a port forward's connection is created, translated and routed
 * at PREROUTING, before the filter, because its REPLY tuple (the SNAT
 * choice, the port picked when the client's is taken) must be fixed and
 * unique in the table before the packet leaves, and a second, unconfirmed
 * stage would need a per-skb reference (conntrack's skb->_nfct) we do not
 * have.  What a dropped packet leaves behind is bounded instead: it never
 * gets a reply, so it lives udp_unreplied (30 s) or tcp_syn (120 s), not
 * udp or tcp_established, and a full table evicts it for a new connection
 * (nfhp_conn_evict()).  An attacker's spoofed packets therefore cost at
 * most the table's unreplied part and never an established connection.
 *
 * nf_conntrack is not needed; where it tracks the packet (a stateful
 * firewall), its entry gets our translation before it is confirmed, and
 * nf_nat's rules leave our connections alone and we leave theirs: ct.c.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/inet_hashtables.h>
#include <net/udp.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <linux/nf_hairpin.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "nf_hairpin.h"
#include "rules.h"
#include "conn.h"
#include "ct.h"
#include "state.h"
#include "hooks.h"
#include "xlate.h"

/* Random SNAT ports tried when the client's own port is taken. */
#define NFHP_PORT_TRIES		128

static void count_packet(struct nfhp_net *hn, const struct nfhp_conn *c,
			 enum nfhp_dir dir, const struct sk_buff *skb,
			 bool new_conn)
{
	nfhp_stat_inc(hn, dir == NFHP_DIR_ORIG ? NFHP_STAT_XLATE_ORIG :
						 NFHP_STAT_XLATE_REPLY);
	if (c->dnat)
		nfhp_rstats_add(c->dnat->core.stats, skb->len, new_conn);
	if (c->snat)
		nfhp_rstats_add(c->snat->core.stats, skb->len, new_conn);
}

/* After a destination change: route again. */
static int reroute(struct sk_buff *skb, const struct nf_hook_state *state)
{
	const struct iphdr *iph;

	if (state->hook == NF_INET_LOCAL_OUT)
		return ip_route_me_harder(state->net, state->sk, skb,
					  RTN_UNSPEC);
	skb_dst_drop(skb);
	iph = ip_hdr(skb);
	return ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos,
				    state->in);
}

/*
 * Rewrite a packet of @c travelling @dir as the hook owes it: before
 * routing its destination (@manip NFHP_MANIP_DST; then route it again),
 * after routing its source (NFHP_MANIP_SRC).
 */
static unsigned int translate(struct nfhp_net *hn, struct sk_buff *skb,
			      const struct nfhp_pkt *p,
			      const struct nfhp_conn *c, enum nfhp_dir dir,
			      const struct nf_hook_state *state,
			      enum nfhp_manip_type manip)
{
	const struct nfhp_tuple *o = &c->th[NFHP_DIR_ORIG].t;
	const struct nfhp_tuple *r = &c->th[NFHP_DIR_REPLY].t;
	__be32 addr;
	__be16 port;
	int err;

	if (manip == NFHP_MANIP_DST) {
		addr = dir == NFHP_DIR_ORIG ? r->src : o->src;
		port = dir == NFHP_DIR_ORIG ? r->sport : o->sport;
		if (addr == p->t.dst && port == p->t.dport)
			return NF_ACCEPT;
	} else {
		addr = dir == NFHP_DIR_ORIG ? r->dst : o->dst;
		port = dir == NFHP_DIR_ORIG ? r->dport : o->dport;
		if (addr == p->t.src && port == p->t.sport)
			return NF_ACCEPT;
	}
	/* As nf_nat: an error we cannot vouch for is not sent on, least of
	 * all with the private address it quotes.
	 */
	if (p->icmp_err && !nfhp_xlate_icmp_csum_ok(skb, p, state->hook)) {
		nfhp_stat_inc(hn, NFHP_STAT_DROP_ICMP_CSUM);
		return NF_DROP;
	}
	if (nfhp_xlate(skb, p, manip, addr, port))
		return NF_DROP;
	if (p->icmp_err && manip == NFHP_MANIP_SRC)
		nfhp_stat_inc(hn, NFHP_STAT_XLATE_ICMP);
	if (manip == NFHP_MANIP_DST && addr != p->t.dst) {
		err = reroute(skb, state);
		if (err)
			return NF_DROP_ERR(err);
	}
	return NF_ACCEPT;
}

/* Whether the server would answer @client directly, not through us. */
static bool reflect_needed(struct net *net, __be32 client,
			   const struct net_device *out)
{
	struct flowi4 fl4 = { .daddr = client };
	struct rtable *rt;
	bool direct;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return false;
	direct = rt->dst.dev == out && !rt->rt_uses_gateway &&
		 rt->rt_type == RTN_UNICAST;
	ip_rt_put(rt);
	return direct;
}

static __be32 masquerade_addr(const struct net_device *out,
			      const struct rtable *rt, __be32 daddr)
{
	return inet_select_addr(out, rt_nexthop(rt, daddr), RT_SCOPE_UNIVERSE);
}

/*
 * Choose the SNAT of new connection @c, whose first packet leaves through
 * @out on route @rt: an SNAT rule, else reflection.  -EADDRNOTAVAIL if the
 * chosen address does not exist.
 */
static int snat_choose(struct nfhp_net *hn, struct nfhp_conn *c,
		       const struct rtable *rt, const struct net_device *out)
{
	const struct nfhp_tuple *o = &c->th[NFHP_DIR_ORIG].t;
	struct nfhp_tuple *r = &c->th[NFHP_DIR_REPLY].t;
	const struct nfhp_snat_rule *sr;
	__be32 addr = 0;

	sr = nfhp_snat_lookup(hn, c->proto, o->src, r->src, r->sport, out);
	if (sr && nfhp_rule_get(&sr->core)) {
		c->snat = sr;
		if (sr->core.flags & NFHP_SNAT_F_MASQUERADE)
			addr = masquerade_addr(out, rt, r->src);
		else
			addr = sr->to;
		if (!addr)
			return -EADDRNOTAVAIL;
		if (addr == o->src) {
			nfhp_rule_put(&sr->core);
			c->snat = NULL;
			return 0;
		}
	} else if (c->dnat && !(c->dnat->core.flags & NFHP_DNAT_F_NOREFLECT) &&
		   reflect_needed(hn->net, o->src, out)) {
		if (c->dnat->core.flags & NFHP_DNAT_F_REFLECT_EXTERNAL)
			addr = o->dst;
		else
			addr = inet_select_addr(out, r->src, RT_SCOPE_LINK);
		if (!addr)
			return -EADDRNOTAVAIL;
		c->flags |= NFHP_CONN_F_REFLECTED;
	}
	if (addr && addr != o->src) {
		r->dst = addr;
		c->flags |= NFHP_CONN_F_SNAT;
	}
	return 0;
}

/*
 * Another port for a connection whose client port @like is taken: in the
 * same range as nf_nat picks it (1-511, 600-1023, 1024-65535: RFC 4787
 * REQ-3, RFC 5382 REQ-7) and, for UDP, of the same parity (RFC 4787 REQ-4:
 * RTP on an even port, its RTCP on the next).  @wide: the small ranges are
 * full (a host can hold all 255 even ports below 512): any port from 1024
 * rather than none.  ICMP identifiers: any, as nf_nat.
 */
static __be16 random_port(u8 proto, __be16 like, bool wide)
{
	u16 p = ntohs(like), min = 1024, max = 65535, v;

	if (proto == IPPROTO_ICMP) {
		min = 1;
	} else if (p < 512 && !wide) {
		min = 1;
		max = 511;
	} else if (p < 1024 && !wide) {
		min = 600;
		max = 1023;
	}
	v = min + get_random_u32_below(max - min + 1);
	if (proto == IPPROTO_UDP && ((v ^ p) & 1))
		v = v < max ? v + 1 : v - 1;
	return htons(v);
}

/*
 * Whether connection @w, in new connection @c's way, may be killed for it:
 * a closing one (TIME_WAIT, CLOSE), but not the mapping of another host,
 * which keeps its port as conntrack's TIME_WAIT entry keeps nf_nat's.
 */
static bool gives_way(const struct nfhp_conn *c, const struct nfhp_conn *w)
{
	const struct nfhp_tuple *co = &c->th[NFHP_DIR_ORIG].t;
	const struct nfhp_tuple *wo = &w->th[NFHP_DIR_ORIG].t;

	if (!nfhp_state_closing(w))
		return false;
	return !nfhp_conn_is_map(w) ||
	       (wo->src == co->src && wo->sport == co->sport);
}

/*
 * Insert new connection @c, choosing another SNAT port if the client's is
 * taken, in our table or, where conntrack tracks @skb, in conntrack's (the
 * router's own sockets, tunnels and pings, nf_nat's connections: their
 * replies are not ours to take).  Returns the connection the packet
 * belongs to (@c or the one that another CPU inserted first) or NULL: @c
 * is freed, drop the packet.
 */
static struct nfhp_conn *conn_add(struct nfhp_net *hn, struct nfhp_conn *c,
				  const struct sk_buff *skb)
{
	struct nfhp_tuple *o = &c->th[NFHP_DIR_ORIG].t;
	struct nfhp_tuple *r = &c->th[NFHP_DIR_REPLY].t;
	struct nfhp_conn *w = NULL;
	unsigned int tries = 0;
	bool evicted = false;
	int err;

	for (;;) {
		w = NULL;
		if (skb->_nfct && nfhp_ct_reply_taken(skb, c->proto, r))
			err = -EADDRINUSE;
		else
			err = nfhp_conn_insert(hn, c, &w);
		if (!err)
			return c;
		/* Another connection of its endpoint got a mapping first. */
		if (err == -EAGAIN && tries++ < NFHP_PORT_TRIES) {
			r->dport = w->th[NFHP_DIR_REPLY].t.dport;
			continue;
		}
		if (err == -EEXIST) {
			/* Lost the race: the packet goes with the winner. */
			nfhp_stat_inc(hn, NFHP_STAT_CLASH);
			nfhp_conn_free(hn, c);
			return w;
		}
		/* A closing connection in the way gives way, once. */
		if (!evicted && w && gives_way(c, w)) {
			nfhp_conn_kill(hn, w, true);
			evicted = true;
			continue;
		}
		/* Only a connection with an SNAT address can pick a port: a
		 * port alone would not tell it apart after routing; but for
		 * PORTMAP ones, whose replies are translated after routing.
		 * One translated by address alone has none to pick.
		 */
		if (err != -EADDRINUSE || !nfhp_xlate_has_port(c->proto) ||
		    (r->dst == o->src && !(c->flags & NFHP_CONN_F_PORTMAP)) ||
		    tries++ >= NFHP_PORT_TRIES)
			break;
		/* Its endpoint's mapping port taken for this tuple (by a port
		 * forward's, the router's own): endpoint-dependent for this
		 * one connection.
		 */
		if (nfhp_conn_is_map(c) &&
		    nfhp_map_port(hn, c->proto, o->src, o->sport, r->dst) ==
		    r->dport)
			c->th[NFHP_DIR_ORIG].xflags |= NFHP_CONN_X_ANYPORT;
		do {
			r->dport = random_port(c->proto, o->sport,
					       tries > NFHP_PORT_TRIES / 2);
		} while (nfhp_conn_tuple_taken(hn, c->proto, r) &&
			 tries++ < NFHP_PORT_TRIES);
	}
	nfhp_stat_inc(hn, NFHP_STAT_DROP_NO_PORT);
	nfhp_conn_free(hn, c);
	return NULL;
}

/* What a full table may evict: never replied or established, or expired
 * and not collected yet (conn.c's GC runs a quarter of a timeout late).
 */
static bool evictable(const struct nfhp_conn *c)
{
	return nfhp_state_unconfirmed(c) ||
	       (s32)(READ_ONCE(c->timeout) - (u32)jiffies) <= 0;
}

/*
 * A new connection for packet @p.  In a full table it takes the place of
 * the oldest connection near its bucket that never got a reply or never
 * got established, or has expired (conn.c, nfhp_conn_evict()); only if
 * there is none is the packet dropped.
 */
static struct nfhp_conn *conn_new(struct nfhp_net *hn,
				  const struct nfhp_pkt *p, bool map)
{
	struct nfhp_conn *c = nfhp_conn_alloc(hn, map);

	if (IS_ERR(c) && PTR_ERR(c) == -ENOSPC &&
	    nfhp_conn_evict(hn, p->proto, &p->t, evictable))
		c = nfhp_conn_alloc(hn, map);
	if (IS_ERR(c)) {
		nfhp_stat_inc(hn, PTR_ERR(c) == -ENOSPC ?
			      NFHP_STAT_DROP_TABLE_FULL : NFHP_STAT_DROP_NOMEM);
		return NULL;
	}
	c->proto = p->proto;
	return c;
}

static __be16 dnat_port(const struct nfhp_dnat_rule *r, __be16 dport)
{
	u16 port = ntohs(dport);

	if (!r->to_port_min)
		return dport;
	if (r->to_port_max > r->to_port_min && port >= r->dport_min)
		return htons(r->to_port_min + (port - r->dport_min));
	return htons(r->to_port_min);
}

/*
 * The external port of mapping connection @c (ORIG and REPLY's address
 * set): the one its internal endpoint already has on that address, for
 * every destination (endpoint-independent mapping: RFC 4787 REQ-1, RFC
 * 5382 REQ-1); else its own port if free (conn_add() picks another if
 * not).
 */
static __be16 map_port(struct nfhp_net *hn, const struct nfhp_conn *c)
{
	const struct nfhp_tuple *o = &c->th[NFHP_DIR_ORIG].t;
	__be16 port = 0;

	if (nfhp_conn_is_map(c))
		port = nfhp_map_port(hn, c->proto, o->src, o->sport,
				     c->th[NFHP_DIR_REPLY].t.dst);
	return port ?: o->sport;
}

/*
 * Whether one of the router's own sockets takes a packet of tuple @t: a
 * TCP listener, a UDP socket bound to its destination.  Under RCU; no
 * reference is taken.
 */
static bool local_socket(struct net *net, u8 proto, const struct nfhp_tuple *t,
			 const struct net_device *in)
{
	int dif = in ? in->ifindex : 0;

	if (proto == IPPROTO_TCP)
		return __inet_lookup_listener(net,
					      net->ipv4.tcp_death_row.hashinfo,
					      NULL, 0, t->src, t->sport, t->dst,
					      ntohs(t->dport), dif, 0);
	return __udp4_lib_lookup(net, t->src, t->sport, t->dst, t->dport, dif,
				 0, &udp_table, NULL);
}

/* Where mapping @m faces, see map_in(): does a packet on @in come from there? */
static bool map_outside(struct nfhp_net *hn, const struct nfhp_conn *m,
			const struct net_device *in, __be32 eaddr)
{
	return nfhp_snat_faces(hn, m->snat, in) ||
	       __ip_dev_find(hn->net, eaddr, false) == in;
}

/*
 * First packet before routing, no port forward, to the external address
 * and port of a mapping (nfhp_map_owner()):
 * - from inside, hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8): to the
 *   mapping's internal endpoint, from the sender's own mapping on that
 *   address (REQ-9a: the receiver sees the address and port it would see
 *   the sender come from over the Internet);
 * - from outside, with endpoint-independent filtering (cfg.filtering), a
 *   new connection on the mapping; with the default filtering a TCP SYN is
 *   dropped, not answered with the router's RST (RFC 5382 REQ-4: the host
 *   behind may be opening the same connection from its side, as TCP hole
 *   punching does).
 * Outside is where the mappings face (nfhp_snat_faces(): the out
 * interface of the mapping's rule or of any masquerade rule, or the one
 * the external address is on), inside is any other interface.
 *
 * The router's own packets (LOCAL_OUT, or back through loopback) reach its
 * own sockets, as without us; and so does a packet that one of its sockets
 * takes (its ssh, its web interface, its WireGuard port): a host that went
 * out from port 22 must not take connections to the router's.
 */
static unsigned int map_in(struct nfhp_net *hn, struct sk_buff *skb,
			   const struct nfhp_pkt *p,
			   const struct nf_hook_state *state)
{
	const struct nfhp_conn *m;
	const struct nfhp_tuple *mo;
	struct nfhp_tuple *o, *r;
	struct nfhp_conn *c, *w;
	bool inside;

	if (state->hook != NF_INET_PRE_ROUTING || !state->in ||
	    (state->in->flags & IFF_LOOPBACK) ||
	    (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP))
		return NF_ACCEPT;
	m = nfhp_map_owner(hn, p->proto, p->t.dst, p->t.dport);
	if (!m)
		return NF_ACCEPT;
	mo = &m->th[NFHP_DIR_ORIG].t;
	/* Its own mapping, to itself: nothing to hairpin. */
	if (mo->src == p->t.src && mo->sport == p->t.sport)
		return NF_ACCEPT;
	inside = !map_outside(hn, m, state->in, p->t.dst);
	if (!nfhp_state_new_ok(p->proto, skb, p->l4off) ||
	    local_socket(state->net, p->proto, &p->t, state->in))
		return NF_ACCEPT;
	if (!inside && READ_ONCE(hn->cfg.filtering) != NFHP_FILTERING_ENDPOINT) {
		if (p->proto != IPPROTO_TCP)
			return NF_ACCEPT;
		nfhp_stat_inc(hn, NFHP_STAT_MAP_FILTERED);
		return NF_DROP;
	}
	if (inside && (!m->snat || !nfhp_rule_get(&m->snat->core)))
		return NF_ACCEPT;
	c = conn_new(hn, p, inside);
	if (!c) {
		if (inside)
			nfhp_rule_put(&m->snat->core);
		return NF_DROP;
	}
	o = &c->th[NFHP_DIR_ORIG].t;
	r = &c->th[NFHP_DIR_REPLY].t;
	*o = p->t;
	r->src = mo->src;
	r->sport = mo->sport;
	r->dst = o->src;
	r->dport = o->sport;
	c->flags |= NFHP_CONN_F_DNAT;
	if (inside) {
		c->snat = m->snat;
		r->dst = o->dst;
		r->dport = map_port(hn, c);
		c->flags |= NFHP_CONN_F_SNAT;
	}
	if (nfhp_xlate(skb, p, NFHP_MANIP_DST, r->src, r->sport) ||
	    reroute(skb, state)) {
		nfhp_conn_free(hn, c);
		return NF_DROP;
	}
	nfhp_state_start(hn, c, skb, p->l4off);
	w = conn_add(hn, c, skb);
	if (!w)
		return NF_DROP;
	nfhp_stat_inc(hn, inside ? NFHP_STAT_MAP_HAIRPIN : NFHP_STAT_MAP_IN);
	count_packet(hn, w, NFHP_DIR_ORIG, skb, w == c);
	return nfhp_ct_bind(hn, skb, w, NFHP_DIR_ORIG, true);
}

/*
 * The port forward of a first packet of tuple @t arriving on @in (NULL:
 * the router's own), or NULL.  A `dst local' rule matches only if the
 * destination is one of the router's addresses, asked of the FIB only when
 * such a rule is the candidate.
 */
static const struct nfhp_dnat_rule *dnat_find(struct nfhp_net *hn, u8 proto,
					      const struct nfhp_tuple *t,
					      const struct net_device *in)
{
	const struct nfhp_dnat_rule *dr;

	dr = nfhp_dnat_lookup(hn, proto, t->src, t->dst, t->dport, in, true);
	if (dr && (dr->core.flags & NFHP_DNAT_F_LOCAL) &&
	    inet_addr_type(hn->net, t->dst) != RTN_LOCAL)
		dr = nfhp_dnat_lookup(hn, proto, t->src, t->dst, t->dport, in,
				      false);
	return dr;
}

/* A port forward's tuples for its first packet @t, before the SNAT. */
static void dnat_tuples(struct nfhp_conn *c, const struct nfhp_dnat_rule *dr,
			const struct nfhp_tuple *t)
{
	struct nfhp_tuple *o = &c->th[NFHP_DIR_ORIG].t;
	struct nfhp_tuple *r = &c->th[NFHP_DIR_REPLY].t;

	c->dnat = dr;
	*o = *t;
	r->src = dr->to;
	r->sport = dnat_port(dr, t->dport);
	r->dst = o->src;
	r->dport = o->sport;
	if (r->src != o->dst || r->sport != o->dport)
		c->flags |= NFHP_CONN_F_DNAT;
}

/* First packet before routing: a port forward? */
static unsigned int new_in(struct nfhp_net *hn, struct sk_buff *skb,
			   const struct nfhp_pkt *p,
			   const struct nf_hook_state *state)
{
	const struct nfhp_dnat_rule *dr;
	struct nfhp_tuple *r;
	struct nfhp_conn *c, *w;
	struct rtable *rt;
	int err;

	dr = dnat_find(hn, p->proto, &p->t, state->in);
	if (!dr) {
		nfhp_stat_inc(hn, NFHP_STAT_LOOKUP_MISS);
		return map_in(hn, skb, p, state);
	}
	if (!nfhp_state_new_ok(p->proto, skb, p->l4off))
		return NF_ACCEPT;
	c = conn_new(hn, p, false);
	if (!c)
		return NF_DROP;
	if (!nfhp_rule_get(&dr->core)) {	/* being deleted right now */
		nfhp_conn_free(hn, c);
		return NF_ACCEPT;
	}
	dnat_tuples(c, dr, &p->t);
	r = &c->th[NFHP_DIR_REPLY].t;
	if (state->hook == NF_INET_LOCAL_OUT)
		c->flags |= NFHP_CONN_F_LOCAL_OUT;

	/* DNAT and route now: the SNAT depends on the way out. */
	if ((c->flags & NFHP_CONN_F_DNAT) &&
	    (nfhp_xlate(skb, p, NFHP_MANIP_DST, r->src, r->sport) ||
	     reroute(skb, state)))
		goto drop;
	rt = skb_rtable(skb);
	if (rt && rt->rt_type == RTN_UNICAST) {
		err = snat_choose(hn, c, rt, rt->dst.dev);
		if (err)
			goto drop;
	}
	if (!(c->flags & (NFHP_CONN_F_DNAT | NFHP_CONN_F_SNAT))) {
		nfhp_conn_free(hn, c);	/* a rule to itself: nothing to do */
		return NF_ACCEPT;
	}
	nfhp_state_start(hn, c, skb, p->l4off);
	w = conn_add(hn, c, skb);
	if (!w)
		return NF_DROP;
	count_packet(hn, w, NFHP_DIR_ORIG, skb, w == c);
	return nfhp_ct_bind(hn, skb, w, NFHP_DIR_ORIG, true);
drop:
	nfhp_conn_free(hn, c);
	return NF_DROP;
}

/* ---- NFHP_CMD_EXPLAIN: the first-packet decision, nothing created ---- */

/*
 * The route of a packet from @src:@sport to @dst:@dport: as it arrives on
 * @in (a packet built for the lookup, as `ip route get ... iif' does;
 * *@skbp keeps the route: free it after use), or as the router sends it.
 */
static struct rtable *explain_route(struct net *net,
				    const struct net_device *in, u8 proto,
				    __be32 src, __be16 sport, __be32 dst,
				    __be16 dport, struct sk_buff **skbp)
{
	struct sk_buff *skb;
	struct udphdr *uh;
	struct iphdr *iph;
	int err;

	if (!in) {
		struct flowi4 fl4 = {
			.daddr		= dst,
			.flowi4_proto	= proto,
			.fl4_sport	= sport,
			.fl4_dport	= dport,
		};

		if (inet_addr_type(net, src) == RTN_LOCAL)
			fl4.saddr = src;
		return ip_route_output_key(net, &fl4);
	}
	skb = alloc_skb(sizeof(*iph) + sizeof(struct tcphdr), GFP_ATOMIC);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	*skbp = skb;
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->protocol = proto;
	iph->saddr = src;
	iph->daddr = dst;
	skb_set_transport_header(skb, skb->len);
	/* the ports sit alike in TCP and UDP: fib rules may match them */
	uh = skb_put_zero(skb, sizeof(struct tcphdr));
	uh->source = sport;
	uh->dest = dport;
	skb->protocol = htons(ETH_P_IP);
	skb->dev = (struct net_device *)in;
	err = ip_route_input_noref(skb, dst, src, 0, (struct net_device *)in);
	if (err)
		return ERR_PTR(err);
	return skb_rtable(skb);
}

/* Why a port forward leaves with the source it does (snat_choose()). */
static u32 explain_snat(struct nfhp_net *hn, const struct nfhp_conn *c,
			const struct net_device *out)
{
	if (c->snat)
		return NFHP_EXPLAIN_SNAT_RULE;
	if (c->flags & NFHP_CONN_F_REFLECTED)
		return c->dnat->core.flags & NFHP_DNAT_F_REFLECT_EXTERNAL ?
		       NFHP_EXPLAIN_SNAT_REFLECT_EXTERNAL :
		       NFHP_EXPLAIN_SNAT_REFLECT;
	if (c->dnat->core.flags & NFHP_DNAT_F_NOREFLECT &&
	    reflect_needed(hn->net, c->th[NFHP_DIR_ORIG].t.src, out))
		return NFHP_EXPLAIN_SNAT_NOREFLECT;
	return NFHP_EXPLAIN_SNAT_NOT_ONLINK;
}

/* No port forward: a mapping?  What map_in() decides.  Whether one. */
static bool explain_mapping(struct nfhp_net *hn, struct nfhp_explain *e)
{
	struct nfhp_conn *c = &e->c;
	struct nfhp_tuple *o = &c->th[NFHP_DIR_ORIG].t;
	struct nfhp_tuple *r = &c->th[NFHP_DIR_REPLY].t;
	const struct nfhp_conn *m;
	const struct nfhp_tuple *mo;

	if (!e->in || (e->in->flags & IFF_LOOPBACK))
		return false;
	m = nfhp_map_owner(hn, e->proto, o->dst, o->dport);
	if (!m)
		return false;
	mo = &m->th[NFHP_DIR_ORIG].t;
	if ((mo->src == o->src && mo->sport == o->sport) ||
	    local_socket(hn->net, e->proto, o, e->in))
		return false;
	if (map_outside(hn, m, e->in, o->dst)) {
		if (READ_ONCE(hn->cfg.filtering) != NFHP_FILTERING_ENDPOINT) {
			if (e->proto != IPPROTO_TCP)
				return false;
			e->verdict = NFHP_EXPLAIN_FILTERED;
			return true;
		}
		e->verdict = NFHP_EXPLAIN_MAPPING_IN;
	} else {
		if (!m->snat || !nfhp_rule_get(&m->snat->core))
			return false;
		c->snat = m->snat;
		c->th[NFHP_DIR_ORIG].xflags = NFHP_CONN_X_MAP;
		c->flags |= NFHP_CONN_F_SNAT;
		e->verdict = NFHP_EXPLAIN_MAPPING;
		e->snat = NFHP_EXPLAIN_SNAT_MAPPING;
	}
	r->src = mo->src;
	r->sport = mo->sport;
	c->flags |= NFHP_CONN_F_DNAT;
	if (c->flags & NFHP_CONN_F_SNAT)
		r->dport = map_port(hn, c);
	return true;
}

/* No port forward, no mapping: an SNAT rule on the way out (new_out()). */
static void explain_masquerade(struct nfhp_net *hn, struct nfhp_explain *e,
			       const struct rtable *rt)
{
	struct nfhp_conn *c = &e->c;
	const struct nfhp_tuple *o = &c->th[NFHP_DIR_ORIG].t;
	const struct nfhp_snat_rule *sr;
	const struct net_device *out = rt->dst.dev;
	__be32 addr;

	sr = nfhp_snat_lookup(hn, e->proto, o->src, o->dst, o->dport, out);
	if (!sr)
		return;
	addr = sr->core.flags & NFHP_SNAT_F_MASQUERADE ?
	       masquerade_addr(out, rt, o->dst) : sr->to;
	if (!addr || addr == o->src || !nfhp_rule_get(&sr->core))
		return;
	c->snat = sr;
	c->th[NFHP_DIR_ORIG].xflags = NFHP_CONN_X_MAP;
	c->th[NFHP_DIR_REPLY].t.dst = addr;
	c->th[NFHP_DIR_REPLY].t.dport = map_port(hn, c);
	c->flags |= NFHP_CONN_F_SNAT;
	e->verdict = NFHP_EXPLAIN_MASQUERADE;
	e->snat = NFHP_EXPLAIN_SNAT_RULE;
}

void nfhp_explain(struct nfhp_net *hn, struct nfhp_explain *e)
{
	struct nfhp_conn *c = &e->c;
	struct nfhp_tuple *o = &c->th[NFHP_DIR_ORIG].t;
	struct nfhp_tuple *r = &c->th[NFHP_DIR_REPLY].t;
	const struct nfhp_dnat_rule *dr;
	struct sk_buff *skb = NULL;
	struct rtable *rt;

	memset(c, 0, sizeof(*c));
	c->proto = e->proto;
	c->timeout = (u32)jiffies;
	*o = e->t;
	r->src = o->dst;
	r->sport = o->dport;
	r->dst = o->src;
	r->dport = o->sport;
	e->verdict = NFHP_EXPLAIN_NONE;
	e->snat = NFHP_EXPLAIN_SNAT_NONE;

	rcu_read_lock();
	dr = dnat_find(hn, e->proto, &e->t, e->in);
	if (dr && nfhp_rule_get(&dr->core)) {
		dnat_tuples(c, dr, &e->t);
		e->verdict = NFHP_EXPLAIN_FORWARD;
	} else if (explain_mapping(hn, e) &&
		   e->verdict == NFHP_EXPLAIN_FILTERED) {
		goto out;
	}
	/* the route of the packet as it leaves our hook (DNAT'd) */
	rt = explain_route(hn->net, e->in, e->proto, o->src, o->sport, r->src,
			   r->sport, &skb);
	if (IS_ERR(rt)) {
		e->route_err = -PTR_ERR(rt);
		e->verdict = NFHP_EXPLAIN_NO_ROUTE;
		goto out;
	}
	strscpy(e->oif, rt->dst.dev->name, sizeof(e->oif));
	e->rtype = rt->rt_type;
	if (rt->rt_uses_gateway)
		e->gw = rt->rt_gw4;
	if (rt->rt_type != RTN_UNICAST)
		goto out;
	if (e->verdict == NFHP_EXPLAIN_FORWARD) {
		if (!snat_choose(hn, c, rt, rt->dst.dev))
			e->snat = explain_snat(hn, c, rt->dst.dev);
	} else if (e->verdict == NFHP_EXPLAIN_NONE) {
		explain_masquerade(hn, e, rt);
	}
out:
	rcu_read_unlock();
	kfree_skb(skb);
}

void nfhp_explain_done(struct nfhp_explain *e)
{
	if (e->c.dnat)
		nfhp_rule_put(&e->c.dnat->core);
	if (e->c.snat)
		nfhp_rule_put(&e->c.snat->core);
}

/* First packet after routing, not port forwarded: an SNAT rule? */
static unsigned int new_out(struct nfhp_net *hn, struct sk_buff *skb,
			    const struct nfhp_pkt *p,
			    const struct nf_hook_state *state)
{
	const struct nfhp_snat_rule *sr;
	const struct rtable *rt = skb_rtable(skb);
	struct nfhp_conn *c, *w;
	unsigned int verdict;
	struct nfhp_tuple *r;
	enum nfhp_new how;
	__be32 addr;

	if (!rt || !state->out)
		return NF_ACCEPT;
	sr = nfhp_snat_lookup(hn, p->proto, p->t.src, p->t.dst, p->t.dport,
			      state->out);
	if (!sr)
		return NF_ACCEPT;
	if (sr->core.flags & NFHP_SNAT_F_MASQUERADE)
		addr = masquerade_addr(state->out, rt, p->t.dst);
	else
		addr = sr->to;
	if (!addr)
		return NF_DROP;		/* as MASQUERADE without an address */
	if (addr == p->t.src)
		return NF_ACCEPT;
	/* Nothing may leave with the source the rule was meant to hide. */
	if (!nfhp_xlate_proto_ok(p->proto)) {
		nfhp_stat_inc(hn, NFHP_STAT_DROP_PROTO);
		return NF_DROP;
	}
	how = nfhp_state_new_snat(p->proto, skb, p->l4off);
	if (how == NFHP_NEW_PASS)
		return NF_ACCEPT;
	if (how == NFHP_NEW_DROP) {
		nfhp_stat_inc(hn, NFHP_STAT_TCP_OUT_OF_WINDOW);
		return NF_DROP;
	}
	c = conn_new(hn, p, nfhp_xlate_has_port(p->proto));
	if (!c)
		return NF_DROP;
	if (!nfhp_rule_get(&sr->core)) {
		nfhp_conn_free(hn, c);
		return NF_ACCEPT;
	}
	c->snat = sr;
	c->th[NFHP_DIR_ORIG].t = p->t;
	r = &c->th[NFHP_DIR_REPLY].t;
	r->src = p->t.dst;
	r->sport = p->t.dport;
	r->dst = addr;
	r->dport = map_port(hn, c);
	c->flags |= NFHP_CONN_F_SNAT;
	if (skb->sk)
		c->flags |= NFHP_CONN_F_LOCAL_OUT;
	nfhp_state_start(hn, c, skb, p->l4off);
	w = conn_add(hn, c, skb);
	if (!w)
		return NF_DROP;
	if (w == c && how == NFHP_NEW_PICKUP)
		nfhp_stat_inc(hn, NFHP_STAT_TCP_PICKUP);
	count_packet(hn, w, NFHP_DIR_ORIG, skb, w == c);
	verdict = nfhp_ct_bind(hn, skb, w, NFHP_DIR_ORIG, true);
	if (verdict != NF_ACCEPT)
		return verdict;
	return translate(hn, skb, p, w, NFHP_DIR_ORIG, state, NFHP_MANIP_SRC);
}

/*
 * A new connection, before routing, whose replies another connection would
 * take (nfhp_conn_replies_taken()): a client that connects to a port
 * forward and then, from the same port, straight to the server (seed 001's
 * three networks, where the server's replies to both come back through
 * us), or the router's own socket on an address and port that a
 * masqueraded connection holds.  Its server's SYN/ACK would be rewritten
 * as the other connection's.  As nf_nat does, it gets another source port:
 * rewritten here, before routing, where its packets still differ from the
 * other connection's (after routing, those of a forward look alike), and
 * in its replies after routing, where they no longer match the other
 * connection (NFHP_CONN_F_PORTMAP).
 */
static unsigned int clash_new(struct nfhp_net *hn, struct sk_buff *skb,
			      const struct nfhp_pkt *p,
			      const struct nf_hook_state *state)
{
	struct nfhp_conn *c, *w;
	unsigned int verdict;
	struct nfhp_tuple *r;

	if ((p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) ||
	    !nfhp_state_new_ok(p->proto, skb, p->l4off) ||
	    !nfhp_conn_replies_taken(hn, p->proto, &p->t))
		return NF_ACCEPT;
	c = conn_new(hn, p, false);
	if (!c)
		return NF_DROP;
	c->th[NFHP_DIR_ORIG].t = p->t;
	r = &c->th[NFHP_DIR_REPLY].t;
	r->src = p->t.dst;
	r->sport = p->t.dport;
	r->dst = p->t.src;
	/* The client's own port is taken; conn_add() tries others. */
	do {
		r->dport = random_port(p->proto, p->t.sport, false);
	} while (r->dport == p->t.sport);
	c->flags |= NFHP_CONN_F_SNAT | NFHP_CONN_F_PORTMAP;
	if (state->hook == NF_INET_LOCAL_OUT)
		c->flags |= NFHP_CONN_F_LOCAL_OUT;
	nfhp_state_start(hn, c, skb, p->l4off);
	w = conn_add(hn, c, skb);
	if (!w)
		return NF_DROP;
	if (w == c)
		nfhp_stat_inc(hn, NFHP_STAT_CLASH_REMAP);
	count_packet(hn, w, NFHP_DIR_ORIG, skb, w == c);
	verdict = translate(hn, skb, p, w, NFHP_DIR_ORIG, state,
			    NFHP_MANIP_SRC);
	if (verdict == NF_ACCEPT)
		verdict = nfhp_ct_bind(hn, skb, w, NFHP_DIR_ORIG, true);
	return verdict;
}

/* Parse @skb into @p; 0 if it is a packet we translate. */
static int parse_packet(struct nfhp_net *hn, struct sk_buff *skb,
			struct nfhp_pkt *p)
{
	int err = nfhp_xlate_parse(skb, p);

	/* Malformed packets are counted and pass untouched: the stack drops
	 * them.
	 */
	if (err == -EINVAL)
		nfhp_stat_inc(hn, NFHP_STAT_MALFORMED);
	return err;
}

/*
 * Before routing (PREROUTING, LOCAL_OUT) destinations are rewritten, after
 * routing (POSTROUTING, LOCAL_IN) sources.
 */
static unsigned int nfhp_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct nfhp_net *hn = nfhp_pernet(state->net);
	bool out = state->hook == NF_INET_POST_ROUTING ||
		   state->hook == NF_INET_LOCAL_IN;
	enum nfhp_manip_type manip;
	struct nfhp_conn *c;
	unsigned int verdict;
	struct nfhp_pkt p;
	enum nfhp_dir dir;
	bool other;

	if (parse_packet(hn, skb, &p))
		return NF_ACCEPT;
	c = nfhp_conn_lookup(hn, p.proto, &p.t,
			     out ? NFHP_STAGE_OUT : NFHP_STAGE_IN, &dir, &other);
	if (!c) {
		if (p.icmp_err || state->hook == NF_INET_LOCAL_IN)
			return NF_ACCEPT;
		/* nf_nat's connection, or a reply: not ours to make (ct.c) */
		if (nfhp_ct_foreign(skb))
			return NF_ACCEPT;
		/* A tuple of another connection's, inverted: a new
		 * connection whose replies that one would take -- unless it
		 * is our own translated packet, back through loopback.
		 */
		if (other && !out &&
		    !(state->in && (state->in->flags & IFF_LOOPBACK)))
			return clash_new(hn, skb, &p, state);
		if (other)
			return NF_ACCEPT;
		if (out)
			return new_out(hn, skb, &p, state);
		return new_in(hn, skb, &p, state);
	}
	/* Every packet passes exactly one hook before routing. */
	if (!out && !p.icmp_err) {
		nfhp_state_update(hn, c, dir, skb, p.l4off);
		count_packet(hn, c, dir, skb, false);
	}
	manip = out ? NFHP_MANIP_SRC : NFHP_MANIP_DST;
	verdict = NF_ACCEPT;
	if (c->flags & NFHP_CONN_F_PORTMAP) {
		/* clash_new(): the source port before routing, the replies'
		 * destination port after it
		 */
		if (dir == NFHP_DIR_ORIG)
			manip = NFHP_MANIP_SRC;
		else if (out)
			manip = NFHP_MANIP_DST;
		else
			goto bind;
	}
	verdict = translate(hn, skb, &p, c, dir, state, manip);
bind:
	/* A new conntrack entry for a connection of ours (conntrack began
	 * tracking after we did, or its entry expired first): ct.c.
	 */
	if (!out && !p.icmp_err && verdict == NF_ACCEPT && skb->_nfct)
		verdict = nfhp_ct_bind(hn, skb, c, dir, false);
	return verdict;
}

/*
 * Priorities: nf_nat's, less one, so that the order against every other
 * hook is defined and is nf_nat's own, and against nf_nat itself we come
 * first (ct.c: a connection we translate is marked done for nf_nat, which
 * then leaves it alone; one nf_nat translated we leave alone).  Base chains
 * of iptables-nft and nftables at the same priorities as ours (a `type nat
 * hook prerouting priority dstnat - 1') are unordered against us, as
 * against each other.
 * - PREROUTING at NF_IP_PRI_NAT_DST - 1 (-101): after defrag (-400),
 *   raw (-300), conntrack (-200: the entry we keep in step, ct.c) and
 *   mangle (-150, marks that steer our route lookup); before nf_nat's DNAT
 *   (-100), filter (0) and routing, so the route is that of the new
 *   destination, and the filter's forward chain sees the translated packet
 *   with its conntrack entry already translated (`ct status dnat').
 * - LOCAL_OUT at NF_IP_PRI_NAT_DST - 1: the same for the router's own
 *   packets; we reroute with ip_route_me_harder() after changing the
 *   destination, and filter OUTPUT (0) sees the translated packet.
 * - POSTROUTING at NF_IP_PRI_NAT_SRC - 1 (99): after filter (0) and mangle
 *   (-150), before nf_nat's SNAT (100) and conntrack's confirmation
 *   (INT_MAX), which must see the entry as we made it.
 * - LOCAL_IN at NF_IP_PRI_NAT_SRC - 1: after filter INPUT (0), so the
 *   filter sees the reply as the server sent it, as with nf_nat; un-DNAT of
 *   replies delivered to the router itself.
 */
#define NFHP_PRI_DST	(NF_IP_PRI_NAT_DST - 1)
#define NFHP_PRI_SRC	(NF_IP_PRI_NAT_SRC - 1)

static const struct nf_hook_ops nfhp_hook_ops[] = {
	{
		.hook		= nfhp_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NFHP_PRI_DST,
	},
	{
		.hook		= nfhp_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NFHP_PRI_DST,
	},
	{
		.hook		= nfhp_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NFHP_PRI_SRC,
	},
	{
		.hook		= nfhp_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NFHP_PRI_SRC,
	},
};

/*
 * Register the namespace's hooks (and IPv4 defrag: a port forward must see
 * the ports of the first fragment's datagram) when it gets its first rule.
 * They stay until the namespace goes: connections outlive their rules.
 */
int nfhp_hooks_enable(struct nfhp_net *hn)
{
	int err;

	lockdep_assert_held(&hn->lock);
	if (hn->hooks_on)
		return 0;
	/* The table stays allocated on failure: it goes with the namespace. */
	err = nfhp_conn_table_alloc(hn);
	if (err)
		return err;
	err = nf_defrag_ipv4_enable(hn->net);
	if (err)
		return err;
	err = nf_register_net_hooks(hn->net, nfhp_hook_ops,
				    ARRAY_SIZE(nfhp_hook_ops));
	if (err)
		goto err_hooks;
	hn->hooks_on = true;
	return 0;

err_hooks:
	nf_defrag_ipv4_disable(hn->net);
	return err;
}

bool nfhp_hooks_disable(struct nfhp_net *hn)
{
	if (!hn->hooks_on)
		return false;
	nf_unregister_net_hooks(hn->net, nfhp_hook_ops,
				ARRAY_SIZE(nfhp_hook_ops));
	nf_defrag_ipv4_disable(hn->net);
	hn->hooks_on = false;
	return true;
}
