/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin and nf_conntrack (ct.c): conntrack's entry of a connection
 * kept in step with what nf_hairpin does to its packets.
 */
#ifndef _NFHP_CT_H
#define _NFHP_CT_H

#include <linux/skbuff.h>
#include <net/netfilter/nf_conntrack.h>

#include "conn.h"

struct net;

/*
 * Give @skb's conntrack entry, if it has one that is not yet confirmed, the
 * translation of @c for a packet travelling @dir.  @new: @c was made for
 * this packet, so a confirmed entry that disagrees is deleted and the
 * packet dropped (NFHP_STAT_CT_DROP).  Returns a netfilter verdict.
 */
unsigned int nfhp_ct_bind(struct nfhp_net *hn, struct sk_buff *skb,
			  const struct nfhp_conn *c, enum nfhp_dir dir,
			  bool new);

/*
 * Whether @skb, of no connection of ours, belongs to a connection
 * conntrack knows and we must leave alone: one nf_nat translated
 * (IPS_SRC_NAT, IPS_DST_NAT), or a reply (the router's own connection, a
 * connection through it that no rule of ours made): no rule of ours may
 * make a new connection of it.
 */
static inline bool nfhp_ct_foreign(const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	return ct && ((READ_ONCE(ct->status) & IPS_NAT_MASK) ||
		      CTINFO2DIR(ctinfo) == IP_CT_DIR_REPLY);
}

/*
 * Whether conntrack has another connection whose reply tuple is @r (the
 * router's own socket, tunnel or ping, a connection nf_nat translated): a
 * new connection of ours must not take its replies.  False without
 * conntrack.
 */
bool nfhp_ct_reply_taken(const struct sk_buff *skb, u8 proto,
			 const struct nfhp_tuple *r);

/* Connection @c of @net has ended: delete its conntrack entry. */
void nfhp_ct_forget(struct net *net, const struct nfhp_conn *c);

#endif /* _NFHP_CT_H */
