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
 * Whether @skb's conntrack entry has a translation (IPS_SRC_NAT or
 * IPS_DST_NAT): for a packet of no connection of ours, nf_nat's.
 */
static inline bool nfhp_ct_nated(const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	return ct && (READ_ONCE(ct->status) & IPS_NAT_MASK);
}

/* Connection @c of @net has ended: delete its conntrack entry. */
void nfhp_ct_forget(struct net *net, const struct nfhp_conn *c);

#endif /* _NFHP_CT_H */
