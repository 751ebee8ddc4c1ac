/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin rules: the DNAT (port forward) and SNAT rule sets of one
 * namespace, published with RCU.  Contract between the control plane
 * (rules.c, netlink.c) and the packet path (hooks.c).
 *
 * CONTRACT DRAFT: the control-plane implementation fills in the private
 * parts; the functions and fields below are what the packet path uses.
 */
#ifndef _NFHP_RULES_H
#define _NFHP_RULES_H

#include <linux/types.h>
#include <linux/if.h>
#include <linux/refcount.h>
#include <linux/rcupdate.h>
#include <linux/u64_stats_sync.h>

struct net_device;
struct nfhp_net;

/* Per-rule counters, per CPU. */
struct nfhp_rstats {
	u64_stats_t		packets;
	u64_stats_t		bytes;
	u64_stats_t		conns;
	struct u64_stats_sync	syncp;
};

struct nfhp_dnat_rule {
	u32			id;
	u32			flags;		/* NFHP_DNAT_F_* */
	char			iif[IFNAMSIZ];	/* "" = any */
	__be32			src;		/* already masked */
	__be32			src_mask;
	u8			src_plen;
	u8			proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__be32			dst;		/* unused with NFHP_DNAT_F_LOCAL */
	u16			dport_min;	/* host order */
	u16			dport_max;
	__be32			to;
	u16			to_port_min;	/* host order; 0 = keep the port */
	u16			to_port_max;
	refcount_t		ref;
	struct nfhp_rstats __percpu *stats;
	struct rcu_head		rcu;
	/* control-plane private fields may follow */
};

struct nfhp_snat_rule {
	u32			id;
	u32			flags;		/* NFHP_SNAT_F_* */
	char			oif[IFNAMSIZ];	/* "" = any */
	__be32			src, src_mask;	/* mask 0 = any */
	__be32			dst, dst_mask;
	u8			src_plen, dst_plen;
	u8			proto;		/* 0 = any */
	u16			dport_min;	/* host order; 0 = any */
	u16			dport_max;
	__be32			to;		/* unused with NFHP_SNAT_F_MASQUERADE */
	refcount_t		ref;
	struct nfhp_rstats __percpu *stats;
	struct rcu_head		rcu;
	/* control-plane private fields may follow */
};

/*
 * Packet path, called under rcu_read_lock() (softirq or process context).
 * No locks, no allocation.  @dport in network order.  @in/@out may be NULL.
 * @daddr_local: the caller already knows daddr is an address of the
 * namespace (inet_addr_type() == RTN_LOCAL), for NFHP_DNAT_F_LOCAL rules.
 * Cost must not grow with the number of rules (hash on proto/dst/dport).
 */
const struct nfhp_dnat_rule *
nfhp_dnat_lookup(struct nfhp_net *hn, u8 proto, __be32 saddr, __be32 daddr,
		 __be16 dport, const struct net_device *in, bool daddr_local);
const struct nfhp_snat_rule *
nfhp_snat_lookup(struct nfhp_net *hn, u8 proto, __be32 saddr, __be32 daddr,
		 __be16 dport, const struct net_device *out);

/* True if the namespace has any rule (hooks may stay unregistered if not). */
bool nfhp_rules_empty(struct nfhp_net *hn);

/*
 * A connection keeps the rule that created it alive for its counters:
 * get fails once the rule is being freed (refcount_inc_not_zero); put frees
 * it through RCU on the last reference (call_rcu: any context, also an RCU
 * callback; module exit waits with nfhp_rules_exit()).
 */
bool nfhp_dnat_get(const struct nfhp_dnat_rule *r);
void nfhp_dnat_put(const struct nfhp_dnat_rule *r);
bool nfhp_snat_get(const struct nfhp_snat_rule *r);
void nfhp_snat_put(const struct nfhp_snat_rule *r);

static inline void nfhp_rstats_add(struct nfhp_rstats __percpu *stats,
				   unsigned int bytes, bool new_conn)
{
	struct nfhp_rstats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->packets);
	u64_stats_add(&s->bytes, bytes);
	if (new_conn)
		u64_stats_inc(&s->conns);
	u64_stats_update_end(&s->syncp);
}

/*
 * Control plane (rules.c), used by netlink.c.  Writers (add, del, replace,
 * flush) hold hn->lock; they build a new immutable rule set and publish it
 * with one rcu_assign_pointer(), then call nfhp_hooks_sync().  A rejected
 * change leaves the published set as it was.
 */
struct netlink_ext_ack;
struct nfhp_rules;

/* Upper bound for NFHP_CFG_A_RULES_MAX (rules per kind). */
#define NFHP_RULES_LIMIT	1048576U

struct nfhp_rstats_sum {
	u64	packets;
	u64	bytes;
	u64	conns;
};

void nfhp_rstats_read(struct nfhp_rstats __percpu *stats,
		      struct nfhp_rstats_sum *sum);

/* New rules, reference count 1 (the caller's); all fields zero. */
struct nfhp_dnat_rule *nfhp_dnat_alloc(void);
struct nfhp_snat_rule *nfhp_snat_alloc(void);

/*
 * Publish a rule set with @r added (its id assigned here).  The set takes
 * its own reference; the caller keeps and later puts the one it has.
 * -EEXIST if a rule with the same match exists, -ENOSPC at rules_max.
 */
int nfhp_rules_dnat_add(struct nfhp_net *hn, struct nfhp_dnat_rule *r,
			struct netlink_ext_ack *extack);
int nfhp_rules_snat_add(struct nfhp_net *hn, struct nfhp_snat_rule *r,
			struct netlink_ext_ack *extack);
/* Delete by @id if non-zero, else the rule whose match equals @match. */
int nfhp_rules_dnat_del(struct nfhp_net *hn, u32 id,
			const struct nfhp_dnat_rule *match,
			struct netlink_ext_ack *extack);
int nfhp_rules_snat_del(struct nfhp_net *hn, u32 id,
			const struct nfhp_snat_rule *match,
			struct netlink_ext_ack *extack);
/*
 * Replace everything with @dnat and @snat (ids assigned from 1 in array
 * order).  On error *@bad_dnat or *@bad_snat is the index of the offending
 * rule (or -1) and nothing changed.  The caller puts its references.
 */
int nfhp_rules_replace(struct nfhp_net *hn, struct nfhp_dnat_rule **dnat,
		       u32 n_dnat, struct nfhp_snat_rule **snat, u32 n_snat,
		       int *bad_dnat, int *bad_snat,
		       struct netlink_ext_ack *extack);
int nfhp_rules_flush(struct nfhp_net *hn, struct netlink_ext_ack *extack);

/*
 * Dumps, under rcu_read_lock(): the set, its generation (changes with
 * every published change), and its rules in id order by index.
 */
const struct nfhp_rules *nfhp_rules_rcu(struct nfhp_net *hn);
u32 nfhp_rules_gen(const struct nfhp_rules *rs);
/* Index of the first rule with an id above @after. */
u32 nfhp_rules_dnat_seek(const struct nfhp_rules *rs, u32 after);
u32 nfhp_rules_snat_seek(const struct nfhp_rules *rs, u32 after);
/* Rule at index @i, NULL past the end. */
const struct nfhp_dnat_rule *nfhp_rules_dnat_at(const struct nfhp_rules *rs,
						u32 i);
const struct nfhp_snat_rule *nfhp_rules_snat_at(const struct nfhp_rules *rs,
						u32 i);

/* Per namespace, from the pernet ops; and module exit (rcu_barrier). */
void nfhp_rules_net_init(struct nfhp_net *hn);
void nfhp_rules_net_exit(struct nfhp_net *hn);
void nfhp_rules_exit(void);

#endif /* _NFHP_RULES_H */
