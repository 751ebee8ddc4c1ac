/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin netfilter hooks (hooks.c): the packet path.
 */
#ifndef _NFHP_HOOKS_H
#define _NFHP_HOOKS_H

struct nfhp_net;

/*
 * Register the namespace's hooks and IPv4 defrag, once (the first rule
 * comes); under hn->lock.  Unregister them when the namespace goes: true
 * if they were registered (a packet may still be in one).
 */
int nfhp_hooks_enable(struct nfhp_net *hn);
bool nfhp_hooks_disable(struct nfhp_net *hn);

#endif /* _NFHP_HOOKS_H */
