/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin packet path: what the control plane calls.  CONTRACT DRAFT,
 * implemented by hooks.c/conn.c.
 */
#ifndef _NFHP_DATAPATH_H
#define _NFHP_DATAPATH_H

struct nfhp_net;
struct nfhp_conn;
struct sk_buff;
struct netlink_callback;

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

/* NFHP_CMD_CONN_GET dump (one NFHP_A_CONN message per connection) and
 * NFHP_CMD_CONN_FLUSH.
 */
int nfhp_conn_dump(struct sk_buff *skb, struct netlink_callback *cb);
void nfhp_conn_flush(struct nfhp_net *hn);
u32 nfhp_conn_count(struct nfhp_net *hn);

/* Put the NFHP_A_CONN nest for @c into @skb (dumps and events). */
int nfhp_conn_fill(struct sk_buff *skb, const struct nfhp_conn *c);

/* Implemented by netlink.c: multicast a NFHP_CMD_CONN_NEW / _DESTROY event
 * to NFHP_MCGRP_EVENTS if anyone listens.  Any context; GFP_ATOMIC.
 */
void nfhp_nl_conn_event(struct nfhp_net *hn, const struct nfhp_conn *c,
			u8 cmd);

#endif /* _NFHP_DATAPATH_H */
