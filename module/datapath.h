/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin packet path: what the control plane calls.  CONTRACT DRAFT,
 * implemented by hooks.c/conn.c.
 */
#ifndef _NFHP_DATAPATH_H
#define _NFHP_DATAPATH_H

struct nfhp_net;

/* Module load/unload (slab cache etc.) and per-namespace setup/teardown. */
int nfhp_datapath_init(void);
void nfhp_datapath_exit(void);
int nfhp_datapath_net_init(struct nfhp_net *hn);
void nfhp_datapath_net_exit(struct nfhp_net *hn);

/*
 * Called with hn->lock held after every change of the rule set: registers
 * the namespace's netfilter hooks when it gets its first rule.
 */
int nfhp_hooks_sync(struct nfhp_net *hn);

#endif /* _NFHP_DATAPATH_H */
