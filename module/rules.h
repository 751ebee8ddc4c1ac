/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin rules (rules.c): the DNAT (port forward) and SNAT rule sets of
 * one namespace, published with RCU.  The packet path looks rules up; the
 * control plane (netlink.c) changes the set.
 */
#ifndef _NFHP_RULES_H
#define _NFHP_RULES_H

#include <linux/types.h>
#include <linux/if.h>
#include <linux/refcount.h>
#include <linux/rcupdate.h>
#include <linux/u64_stats_sync.h>

struct net_device;
struct netlink_ext_ack;
struct nfhp_net;
struct nfhp_rules;

/* Upper bound for NFHP_CFG_A_RULES_MAX (rules per kind). */
#define NFHP_RULES_LIMIT	1048576U

/* Per-rule counters, per CPU. */
struct nfhp_rstats {
	u64_stats_t		packets;
	u64_stats_t		bytes;
	u64_stats_t		conns;
	struct u64_stats_sync	syncp;
};

struct nfhp_rstats_sum {
	u64	packets;
	u64	bytes;
	u64	conns;
};

enum nfhp_rule_kind {
	NFHP_RULE_DNAT,
	NFHP_RULE_SNAT,
	NFHP_RULE_KINDS
};

/**
 * struct nfhp_rule - what a rule of either kind starts with
 * @id:		per namespace and kind, assigned when the rule is added
 * @flags:	NFHP_DNAT_F_* or NFHP_SNAT_F_*
 * @ref:	one for each set holding the rule, each connection it made,
 *		and the control plane while it builds one
 * @stats:	its counters
 * @rcu:	freed through RCU on the last put
 */
struct nfhp_rule {
	u32			id;
	u32			flags;
	refcount_t		ref;
	struct nfhp_rstats __percpu *stats;
	struct rcu_head		rcu;
};

struct nfhp_dnat_rule {
	struct nfhp_rule	core;
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
};

struct nfhp_snat_rule {
	struct nfhp_rule	core;
	char			oif[IFNAMSIZ];	/* "" = any */
	__be32			src, src_mask;	/* mask 0 = any */
	__be32			dst, dst_mask;
	u8			src_plen, dst_plen;
	u8			proto;		/* 0 = any */
	u16			dport_min;	/* host order; 0 = any */
	u16			dport_max;
	__be32			to;		/* unused with NFHP_SNAT_F_MASQUERADE */
};

/* Room for a rule of either kind: the match of a delete. */
union nfhp_any_rule {
	struct nfhp_rule	core;
	struct nfhp_dnat_rule	dnat;
	struct nfhp_snat_rule	snat;
};

static inline struct nfhp_dnat_rule *nfhp_dnat(const struct nfhp_rule *r)
{
	return container_of(r, struct nfhp_dnat_rule, core);
}

static inline struct nfhp_snat_rule *nfhp_snat(const struct nfhp_rule *r)
{
	return container_of(r, struct nfhp_snat_rule, core);
}

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

/*
 * Whether packets arriving on @in come from outside, from where mappings
 * face: @in is the out interface @own (the mapping's SNAT rule) names, or
 * that of any masquerade rule.  Under RCU; linear, as nfhp_snat_lookup().
 */
bool nfhp_snat_faces(struct nfhp_net *hn, const struct nfhp_snat_rule *own,
		     const struct net_device *in);

/* Any context the hooks run in: see nfhp_stat_inc(). */
static inline void nfhp_rstats_add(struct nfhp_rstats __percpu *stats,
				   unsigned int bytes, bool new_conn)
{
	struct nfhp_rstats *s = get_cpu_ptr(stats);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_inc(&s->packets);
	u64_stats_add(&s->bytes, bytes);
	if (new_conn)
		u64_stats_inc(&s->conns);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
	put_cpu_ptr(stats);
}

void nfhp_rstats_read(struct nfhp_rstats __percpu *stats,
		      struct nfhp_rstats_sum *sum);

/*
 * A new rule of @kind, all zero, reference count 1 (the caller's).  A
 * connection keeps the rule that made it alive for its counters: get fails
 * once the rule is being freed (refcount_inc_not_zero); put frees it
 * through RCU on the last reference (call_rcu: any context, also an RCU
 * callback; module exit waits with nfhp_rules_exit()).
 */
struct nfhp_rule *nfhp_rule_alloc(enum nfhp_rule_kind kind);
bool nfhp_rule_get(const struct nfhp_rule *r);
void nfhp_rule_put(const struct nfhp_rule *r);

/*
 * Control plane, under hn->lock.  A change is prepared as a complete new
 * set, or rejected (an ERR_PTR, extack set) with nothing changed; the set
 * is then published (which cannot fail) or dropped.
 *
 * add: @r added, its id assigned here.  The set takes its own reference;
 * the caller keeps and later puts the one it has.  -EEXIST if a rule with
 * the same match exists, -ENOSPC at rules_max.
 */
struct nfhp_rules *nfhp_rules_prepare_add(struct nfhp_net *hn,
					  enum nfhp_rule_kind kind,
					  struct nfhp_rule *r,
					  struct netlink_ext_ack *extack);
/* del: the rule with @id if non-zero, else the one whose match is @match. */
struct nfhp_rules *nfhp_rules_prepare_del(struct nfhp_net *hn,
					  enum nfhp_rule_kind kind, u32 id,
					  const struct nfhp_rule *match,
					  struct netlink_ext_ack *extack);
/*
 * replace: the @n[kind] rules of @v[kind] only (ids assigned from 1 in
 * array order).  On error @bad[kind] is the index of the offending rule
 * (or -1).  The caller puts its references.
 */
struct nfhp_rules *
nfhp_rules_prepare_replace(struct nfhp_net *hn,
			   struct nfhp_rule **const v[NFHP_RULE_KINDS],
			   const u32 n[NFHP_RULE_KINDS],
			   int bad[NFHP_RULE_KINDS],
			   struct netlink_ext_ack *extack);
/* flush: no rules; ids go on counting. */
struct nfhp_rules *nfhp_rules_prepare_flush(struct nfhp_net *hn);
/* Whether a prepared set has no rule: the hooks are not needed for it. */
bool nfhp_rules_empty(const struct nfhp_rules *rs);
void nfhp_rules_publish(struct nfhp_net *hn, struct nfhp_rules *rs);
void nfhp_rules_abort(struct nfhp_rules *rs);

/*
 * Dumps, under rcu_read_lock(): the set, its generation (changes with
 * every published change), and the rule of @kind with the lowest id above
 * @after, or NULL.
 */
const struct nfhp_rules *nfhp_rules_rcu(struct nfhp_net *hn);
u32 nfhp_rules_gen(const struct nfhp_rules *rs);
const struct nfhp_rule *nfhp_rules_next(const struct nfhp_rules *rs,
					enum nfhp_rule_kind kind, u32 after);

/* Per namespace, from the pernet ops; and module exit (rcu_barrier). */
void nfhp_rules_net_init(struct nfhp_net *hn);
void nfhp_rules_net_exit(struct nfhp_net *hn);
void nfhp_rules_exit(void);

#endif /* _NFHP_RULES_H */
