/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin netfilter hooks (hooks.c).  nfhp_hooks_sync() is in
 * datapath.h, for the control plane.
 */
#ifndef _NFHP_HOOKS_H
#define _NFHP_HOOKS_H

struct nfhp_net;

/* Namespace exit: unregister the hooks and IPv4 defrag, if registered. */
void nfhp_hooks_net_exit(struct nfhp_net *hn);

#endif /* _NFHP_HOOKS_H */
