/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin netfilter hooks (hooks.c): the packet path.
 */
#ifndef _NFHP_HOOKS_H
#define _NFHP_HOOKS_H

#include <linux/if.h>
#include "conn.h"

struct net_device;
struct nfhp_net;

/*
 * NFHP_CMD_EXPLAIN: the first-packet decision for a packet of @proto and
 * tuple @t arriving on @in (NULL: the router's own), made by the packet
 * path's own code, nothing created.  @c is the connection the packet would
 * make (its rules referenced: nfhp_explain_done()).
 */
struct nfhp_explain {
	const struct net_device	*in;
	u8			proto;
	struct nfhp_tuple	t;
	/* answer */
	u32			verdict;	/* enum nfhp_explain_verdict */
	u32			snat;		/* enum nfhp_explain_snat */
	char			oif[IFNAMSIZ];
	__be32			gw;
	u8			rtype;
	int			route_err;
	struct nfhp_conn	c;
};

void nfhp_explain(struct nfhp_net *hn, struct nfhp_explain *e);
void nfhp_explain_done(struct nfhp_explain *e);

/*
 * Register the namespace's hooks and IPv4 defrag, once (the first rule
 * comes); under hn->lock.  Unregister them when the namespace goes: true
 * if they were registered (a packet may still be in one).
 */
int nfhp_hooks_enable(struct nfhp_net *hn);
bool nfhp_hooks_disable(struct nfhp_net *hn);

#endif /* _NFHP_HOOKS_H */
