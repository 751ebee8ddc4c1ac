// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin and nf_conntrack: conntrack's entry of a connection kept in
 * step with what nf_hairpin does to the connection's packets.
 *
 * Why
 * ---
 * A router's firewall is stateful: OpenWrt's fw4 and the nftables wiki's
 * home router accept `ct state established,related' and, for port
 * forwards, `ct status dnat'.  Conntrack sees a packet at PREROUTING
 * (priority -200), before our DNAT, and the server's answer before our
 * un-SNAT.  Left alone, its entry keeps the untranslated tuples: the answer
 * matches no entry (a new connection from the server, or an invalid
 * packet), `ct status dnat' never matches, and the firewall drops both the
 * forward and the masquerade.
 *
 * How
 * ---
 * For a packet whose entry is not confirmed yet (the first packet of the
 * connection as conntrack sees it), nf_nat_setup_info() is called for both
 * manips with single-point ranges: exactly our translation, as nf_nat's own
 * `dnat to ADDR:PORT' and `snat to ADDR:PORT' would.  The entry then is what
 * nf_nat would have made of it:
 * - its reply tuple is ours (nf_conntrack_alter_reply()): the server's
 *   answer is `established', conntrack counts nothing invalid;
 * - IPS_DST_NAT and IPS_SRC_NAT are set where we translate: `ct status
 *   dnat|snat', `conntrack -L' and `conntrack -E' show the translation;
 * - IPS_DST_NAT_DONE and IPS_SRC_NAT_DONE are set: where the namespace also
 *   has iptables or nftables NAT rules (Docker's MASQUERADE), nf_nat's
 *   hooks, which run just after ours, do not look at their rules for this
 *   connection, so no connection is translated by both engines.  nf_nat
 *   applies the entry's translation itself (nf_nat_packet()) to packets it
 *   finds already translated: a rewrite to the same values.
 *
 * IPVS (ip_vs_update_conntrack()) calls nf_conntrack_alter_reply() alone.
 * That is not enough here: without the status bits `ct status dnat' does
 * not match and nf_nat would apply its own rules on top; and the _DONE bits
 * cannot be set by hand: conntrack's destroy path unlinks an entry with
 * IPS_SRC_NAT_DONE from nf_nat's by-source hash (nf_nat_cleanup_conntrack()),
 * which only nf_nat_setup_info() links it into.  The price is a dependency
 * on nf_nat.ko (and nf_conntrack.ko), loaded with us; neither registers a
 * hook in a namespace until a rule there asks for conntrack or NAT, and a
 * namespace without conntrack pays one test of skb->_nfct per packet.
 *
 * Who owns what
 * -------------
 * - A packet of a connection of ours whose entry is confirmed: nothing to
 *   do, nothing paid.
 * - The first packet we translate of a connection whose entry is confirmed
 *   untranslated (the rule came after the connection began): the two would
 *   disagree for good.  The entry is deleted and the packet dropped
 *   (NFHP_STAT_CT_DROP); the next packet starts the connection anew, in
 *   step.
 * - A packet of no connection of ours whose entry nf_nat translated
 *   (IPS_NAT_MASK) is nf_nat's: we leave it, and look up no rule for it.
 * - When a connection of ours ends (expiry, flush, eviction, its address
 *   gone, the namespace or the module going), its entry is deleted too: it
 *   would otherwise go on translating under nf_nat's hooks, or hold a
 *   stale reply tuple that a new connection of ours could not take.
 *
 * Entries are looked up in the default zone only (no zones on the routers
 * we are built for); an entry in another zone is left to its timeout.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_tuple.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/netfilter/nf_nat.h>

#include "nf_hairpin.h"
#include "conn.h"
#include "ct.h"

/* Whether conntrack's tuple @ct is ours, @t (for ICMP: addresses and id). */
static bool tuple_is(const struct nf_conntrack_tuple *ct, u8 proto,
		     const struct nfhp_tuple *t)
{
	if (ct->src.u3.ip != t->src || ct->dst.u3.ip != t->dst ||
	    ct->dst.protonum != proto)
		return false;
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return ct->src.u.all == t->sport && ct->dst.u.all == t->dport;
	case IPPROTO_ICMP:
		/* the identifier: in sport for requests, dport for replies */
		return ct->src.u.icmp.id == (t->sport | t->dport);
	default:
		return true;
	}
}

/* Conntrack's tuple for ours, @t of @proto, a reply (@reply) or not. */
static void ct_tuple(struct nf_conntrack_tuple *ct, u8 proto,
		     const struct nfhp_tuple *t, bool reply)
{
	memset(ct, 0, sizeof(*ct));
	ct->src.l3num = NFPROTO_IPV4;
	ct->src.u3.ip = t->src;
	ct->dst.u3.ip = t->dst;
	ct->dst.protonum = proto;
	ct->dst.dir = reply ? IP_CT_DIR_REPLY : IP_CT_DIR_ORIGINAL;
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		ct->src.u.all = t->sport;
		ct->dst.u.all = t->dport;
		break;
	case IPPROTO_ICMP:
		/* echo: the identifier in sport (request) or dport (reply) */
		ct->src.u.icmp.id = t->sport | t->dport;
		ct->dst.u.icmp.type = reply ? ICMP_ECHOREPLY : ICMP_ECHO;
		break;
	}
}

bool nfhp_ct_reply_taken(const struct sk_buff *skb, u8 proto,
			 const struct nfhp_tuple *r)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conntrack_tuple t;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct)
		return false;
	ct_tuple(&t, proto, r, true);
	return nf_conntrack_tuple_taken(&t, ct);
}

/* Translate conntrack's entry as nf_nat would for `[sd]nat to ADDR:PORT'. */
static unsigned int ct_manip(struct nf_conn *ct, u8 proto,
			     enum nf_nat_manip_type manip, __be32 addr,
			     __be16 port)
{
	struct nf_nat_range2 range = {
		.flags		= NF_NAT_RANGE_MAP_IPS,
		.min_addr.ip	= addr,
		.max_addr.ip	= addr,
	};

	if (nf_nat_initialized(ct, manip))
		return NF_ACCEPT;	/* checked by the caller */
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_ICMP) {
		/* a single port (identifier): nf_nat takes it as it is */
		range.flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
		range.min_proto.all = port;
		range.max_proto.all = port;
	}
	return nf_nat_setup_info(ct, &range, manip);
}

unsigned int nfhp_ct_bind(struct nfhp_net *hn, struct sk_buff *skb,
			  const struct nfhp_conn *c, enum nfhp_dir dir,
			  bool new)
{
	/* What this direction's packets look like once translated: the
	 * other direction's tuple, inverted.
	 */
	const struct nfhp_tuple *o = &c->th[!dir].t;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;
	__be16 dport;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct)
		return NF_ACCEPT;
	if (nf_ct_is_confirmed(ct)) {
		if (!new || tuple_is(&ct->tuplehash[IP_CT_DIR_REPLY].tuple,
				     c->proto, o))
			return NF_ACCEPT;
		goto disagree;
	}
	/* Only a packet in conntrack's original direction makes an entry. */
	if (CTINFO2DIR(ctinfo) != IP_CT_DIR_ORIGINAL)
		return NF_ACCEPT;
	/* An ICMP query keeps its identifier through the destination manip. */
	dport = c->proto == IPPROTO_ICMP ?
		ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.src.u.icmp.id :
		o->sport;
	if (c->flags & NFHP_CONN_F_PORTMAP) {
		struct nf_conntrack_tuple want;

		/* A port remapped before routing and back after it (hooks.c,
		 * clash_new()): nf_nat must not apply it too, at PREROUTING,
		 * where the reply would then look like another connection's.
		 * So no IPS_SRC_NAT: null bindings (the _DONE bits, nf_nat's
		 * by-source hash) and the reply tuple set as IPVS sets it.
		 */
		if (ct_manip(ct, c->proto, NF_NAT_MANIP_DST, o->src, dport) !=
		    NF_ACCEPT ||
		    ct_manip(ct, c->proto, NF_NAT_MANIP_SRC, c->th[dir].t.src,
			     c->th[dir].t.sport) != NF_ACCEPT)
			goto drop;
		ct_tuple(&want, c->proto, o, true);
		nf_conntrack_alter_reply(ct, &want);
	} else if (ct_manip(ct, c->proto, NF_NAT_MANIP_DST, o->src, dport) !=
		   NF_ACCEPT ||
		   ct_manip(ct, c->proto, NF_NAT_MANIP_SRC, o->dst, o->dport) !=
		   NF_ACCEPT) {
		goto drop;
	}
	/* nf_nat's hooks may have got there first (a null binding at
	 * PREROUTING, for a connection we make after routing): fine as long
	 * as it agrees with us.
	 */
	if (tuple_is(&ct->tuplehash[IP_CT_DIR_REPLY].tuple, c->proto, o))
		return NF_ACCEPT;
	goto drop;

disagree:
	nf_ct_kill(ct);
drop:
	nfhp_stat_inc(hn, NFHP_STAT_CT_DROP);
	return NF_DROP;
}

void nfhp_ct_forget(struct net *net, const struct nfhp_conn *c)
{
	struct nf_conntrack_tuple_hash *h;
	struct nf_conntrack_tuple t;
	struct nf_conn *ct;

	if (!nf_conntrack_count(net))
		return;
	/* The entry's reply tuple is ours, whatever its original one.  No
	 * other entry holds it: a connection is made only with a reply
	 * tuple conntrack has free (nfhp_ct_reply_taken()).
	 */
	ct_tuple(&t, c->proto, &c->th[NFHP_DIR_REPLY].t, true);
	h = nf_conntrack_find_get(net, &nf_ct_zone_dflt, &t);
	if (!h)
		return;
	ct = nf_ct_tuplehash_to_ctrack(h);
	if (NF_CT_DIRECTION(h) == IP_CT_DIR_REPLY)
		nf_ct_kill(ct);
	nf_ct_put(ct);
}
