// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin rules: the DNAT and SNAT rule sets of a namespace.
 *
 * Design
 * ------
 * A rule set (struct nfhp_rules) is immutable once published.  Every change
 * (add, delete, replace, flush) builds a complete new set beside the old
 * one under hn->lock, checks it, publishes it with one rcu_assign_pointer()
 * and frees the old one with call_rcu().  The packet path therefore sees
 * the old set or the new one, never a mix, and a change that fails at any
 * point (validation, duplicate, limit, memory, hook registration) leaves
 * the published set untouched.  Building a set costs O(n) in its size; the
 * packet path pays nothing for it.
 *
 * Rules are shared between the sets that contain them and are reference
 * counted: every set holds one reference on each of its rules, connections
 * hold more (nfhp_dnat_get()).  The last put frees the rule through
 * call_rcu(), its per-CPU counters with it.
 *
 * Rule ids are per namespace and per kind, increasing; a deleted id is not
 * reused.  NFHP_CMD_REPLACE numbers the new rules from 1 in message order
 * (a restored configuration gets the ids it would have in a fresh
 * namespace); NFHP_CMD_FLUSH keeps counting.
 *
 * DNAT lookup does not depend on the number of rules: each set has a hash
 * table keyed on (proto, dst, dport), dst 0 for NFHP_DNAT_F_LOCAL rules.
 * A single port or a range of up to RANGE_HASH_MAX ports is entered once
 * per port; wider ranges go to a short list that is scanned.  The lookup
 * probes (proto, daddr, dport), then (proto, 0, dport) if daddr is local,
 * then the wide ranges, and checks iif and source prefix on the candidates.
 * Several rules can match one packet only if their matches differ (source
 * prefix, iif, dst or local); the most specific wins, deterministically:
 * longer source prefix, then an iif over none, then an explicit dst over
 * local, then the lower id.
 *
 * SNAT rules are ordered like an iptables chain: the first match in id
 * order wins.  They are scanned linearly: SNAT is decided once per new
 * connection leaving the router and configurations have a handful.
 *
 * Duplicates: a DNAT rule whose match (iif, src/plen, dst or local, proto)
 * equals another's with an overlapping port range is rejected (-EEXIST),
 * as is an SNAT rule whose match equals another's exactly.  Prefixes with
 * host bits set are rejected by netlink.c rather than masked.
 */
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/nf_hairpin.h>

#include "nf_hairpin.h"
#include "rules.h"
#include "datapath.h"

/* Port ranges of at most this many ports are hashed port by port. */
#define RANGE_HASH_MAX	16

struct dnat_hent {
	const struct nfhp_dnat_rule	*r;
	__be32				dst;	/* 0: a local rule */
	u32				next;	/* index + 1; 0 ends the chain */
	u16				port;
	u8				proto;
};

struct nfhp_rules {
	struct rcu_head		rcu;
	u32			gen;
	u32			n_dnat;
	u32			n_snat;
	u32			n_ranges;
	u32			n_hent;
	u32			hmask;
	u32			seed;
	struct nfhp_dnat_rule	**dnat;		/* in id order */
	struct nfhp_snat_rule	**snat;		/* in id order */
	struct nfhp_dnat_rule	**ranges;	/* wider than RANGE_HASH_MAX */
	struct dnat_hent	*hent;
	u32			*hhead;		/* hmask + 1 chains */
};

/* ---- rules ---- */

struct nfhp_dnat_rule *nfhp_dnat_alloc(void)
{
	struct nfhp_dnat_rule *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->stats = netdev_alloc_pcpu_stats(struct nfhp_rstats);
	if (!r->stats) {
		kfree(r);
		return NULL;
	}
	refcount_set(&r->ref, 1);
	return r;
}

struct nfhp_snat_rule *nfhp_snat_alloc(void)
{
	struct nfhp_snat_rule *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->stats = netdev_alloc_pcpu_stats(struct nfhp_rstats);
	if (!r->stats) {
		kfree(r);
		return NULL;
	}
	refcount_set(&r->ref, 1);
	return r;
}

static void dnat_free_rcu(struct rcu_head *head)
{
	struct nfhp_dnat_rule *r = container_of(head, struct nfhp_dnat_rule, rcu);

	free_percpu(r->stats);
	kfree(r);
}

static void snat_free_rcu(struct rcu_head *head)
{
	struct nfhp_snat_rule *r = container_of(head, struct nfhp_snat_rule, rcu);

	free_percpu(r->stats);
	kfree(r);
}

bool nfhp_dnat_get(const struct nfhp_dnat_rule *r)
{
	return refcount_inc_not_zero(&((struct nfhp_dnat_rule *)r)->ref);
}

void nfhp_dnat_put(const struct nfhp_dnat_rule *r)
{
	struct nfhp_dnat_rule *w = (struct nfhp_dnat_rule *)r;

	if (r && refcount_dec_and_test(&w->ref))
		call_rcu(&w->rcu, dnat_free_rcu);
}

bool nfhp_snat_get(const struct nfhp_snat_rule *r)
{
	return refcount_inc_not_zero(&((struct nfhp_snat_rule *)r)->ref);
}

void nfhp_snat_put(const struct nfhp_snat_rule *r)
{
	struct nfhp_snat_rule *w = (struct nfhp_snat_rule *)r;

	if (r && refcount_dec_and_test(&w->ref))
		call_rcu(&w->rcu, snat_free_rcu);
}

void nfhp_rstats_read(struct nfhp_rstats __percpu *stats,
		      struct nfhp_rstats_sum *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct nfhp_rstats *s = per_cpu_ptr(stats, cpu);
		u64 packets, bytes, conns;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			packets = u64_stats_read(&s->packets);
			bytes = u64_stats_read(&s->bytes);
			conns = u64_stats_read(&s->conns);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum->packets += packets;
		sum->bytes += bytes;
		sum->conns += conns;
	}
}

/* ---- matching ---- */

static bool dev_match(const char *name, const struct net_device *dev)
{
	if (!name[0])
		return true;
	return dev && !strncmp(name, dev->name, IFNAMSIZ);
}

/* Same match and overlapping ports: the two cannot coexist. */
static bool dnat_clash(const struct nfhp_dnat_rule *a,
		       const struct nfhp_dnat_rule *b)
{
	return a->proto == b->proto &&
	       (a->flags & NFHP_DNAT_F_LOCAL) == (b->flags & NFHP_DNAT_F_LOCAL) &&
	       a->dst == b->dst && a->src == b->src &&
	       a->src_plen == b->src_plen && !strcmp(a->iif, b->iif) &&
	       a->dport_min <= b->dport_max && b->dport_min <= a->dport_max;
}

/* The match a DEL names: the same fields and exactly the same ports. */
static bool dnat_same(const struct nfhp_dnat_rule *a,
		      const struct nfhp_dnat_rule *b)
{
	return dnat_clash(a, b) && a->dport_min == b->dport_min &&
	       a->dport_max == b->dport_max;
}

static bool snat_same(const struct nfhp_snat_rule *a,
		      const struct nfhp_snat_rule *b)
{
	return a->proto == b->proto && a->src == b->src &&
	       a->src_plen == b->src_plen && a->dst == b->dst &&
	       a->dst_plen == b->dst_plen && !strcmp(a->oif, b->oif) &&
	       a->dport_min == b->dport_min && a->dport_max == b->dport_max;
}

/* Is @a more specific than @b (NULL: anything is)? */
static bool dnat_better(const struct nfhp_dnat_rule *a,
			const struct nfhp_dnat_rule *b)
{
	if (!b)
		return true;
	if (a->src_plen != b->src_plen)
		return a->src_plen > b->src_plen;
	if (!a->iif[0] != !b->iif[0])
		return a->iif[0];
	if ((a->flags ^ b->flags) & NFHP_DNAT_F_LOCAL)
		return !(a->flags & NFHP_DNAT_F_LOCAL);
	return a->id < b->id;
}

static u32 hent_hash(const struct nfhp_rules *rs, u8 proto, __be32 dst,
		     u16 port)
{
	return jhash_3words((__force u32)dst, port, proto, rs->seed) &
	       rs->hmask;
}

static const struct nfhp_dnat_rule *
dnat_probe(const struct nfhp_rules *rs, const struct nfhp_dnat_rule *best,
	   u8 proto, __be32 saddr, __be32 dst, u16 port,
	   const struct net_device *in)
{
	u32 i = rs->hhead[hent_hash(rs, proto, dst, port)];

	while (i) {
		const struct dnat_hent *e = &rs->hent[i - 1];
		const struct nfhp_dnat_rule *r = e->r;

		i = e->next;
		if (e->dst != dst || e->port != port || e->proto != proto)
			continue;
		if ((saddr & r->src_mask) == r->src && dev_match(r->iif, in) &&
		    dnat_better(r, best))
			best = r;
	}
	return best;
}

const struct nfhp_dnat_rule *
nfhp_dnat_lookup(struct nfhp_net *hn, u8 proto, __be32 saddr, __be32 daddr,
		 __be16 dport, const struct net_device *in, bool daddr_local)
{
	const struct nfhp_rules *rs = rcu_dereference(hn->rules);
	const struct nfhp_dnat_rule *best = NULL;
	u16 port = ntohs(dport);
	u32 i;

	if (!rs || !rs->n_dnat)
		return NULL;
	if (daddr)
		best = dnat_probe(rs, best, proto, saddr, daddr, port, in);
	if (daddr_local)
		best = dnat_probe(rs, best, proto, saddr, 0, port, in);
	for (i = 0; i < rs->n_ranges; i++) {
		const struct nfhp_dnat_rule *r = rs->ranges[i];

		if (r->proto != proto || port < r->dport_min ||
		    port > r->dport_max)
			continue;
		if (r->flags & NFHP_DNAT_F_LOCAL ? !daddr_local : r->dst != daddr)
			continue;
		if ((saddr & r->src_mask) == r->src && dev_match(r->iif, in) &&
		    dnat_better(r, best))
			best = r;
	}
	return best;
}

const struct nfhp_snat_rule *
nfhp_snat_lookup(struct nfhp_net *hn, u8 proto, __be32 saddr, __be32 daddr,
		 __be16 dport, const struct net_device *out)
{
	const struct nfhp_rules *rs = rcu_dereference(hn->rules);
	u16 port = ntohs(dport);
	u32 i;

	if (!rs)
		return NULL;
	/* Linear and ordered on purpose; see the comment at the top. */
	for (i = 0; i < rs->n_snat; i++) {
		const struct nfhp_snat_rule *r = rs->snat[i];

		if (r->proto && r->proto != proto)
			continue;
		if (r->dport_min && (port < r->dport_min || port > r->dport_max))
			continue;
		if ((saddr & r->src_mask) != r->src ||
		    (daddr & r->dst_mask) != r->dst)
			continue;
		if (dev_match(r->oif, out))
			return r;
	}
	return NULL;
}

bool nfhp_rules_empty(struct nfhp_net *hn)
{
	const struct nfhp_rules *rs;
	bool empty;

	rcu_read_lock();
	rs = rcu_dereference(hn->rules);
	empty = !rs || (!rs->n_dnat && !rs->n_snat);
	rcu_read_unlock();
	return empty;
}

/* ---- building and publishing sets ---- */

static bool dnat_hashed(const struct nfhp_dnat_rule *r)
{
	return r->dport_max - r->dport_min < RANGE_HASH_MAX;
}

/*
 * A new set holding references on @dnat and @snat (in this order, which
 * must be id order).  Nothing is checked here.
 */
static struct nfhp_rules *rules_build(struct nfhp_dnat_rule **dnat, u32 nd,
				      struct nfhp_snat_rule **snat, u32 ns)
{
	u32 i, n_hent = 0, n_ranges = 0, nb;
	struct nfhp_rules *rs;
	size_t size;
	char *p;

	for (i = 0; i < nd; i++) {
		if (dnat_hashed(dnat[i]))
			n_hent += dnat[i]->dport_max - dnat[i]->dport_min + 1;
		else
			n_ranges++;
	}
	nb = roundup_pow_of_two(max(n_hent, 16U));

	size = sizeof(*rs) +
	       sizeof(*rs->dnat) * ((size_t)nd + n_ranges) +
	       sizeof(*rs->snat) * (size_t)ns +
	       sizeof(*rs->hent) * (size_t)n_hent +
	       sizeof(*rs->hhead) * (size_t)nb;
	rs = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!rs)
		return NULL;
	p = (char *)(rs + 1);
	rs->dnat = (struct nfhp_dnat_rule **)p;
	p += sizeof(*rs->dnat) * nd;
	rs->ranges = (struct nfhp_dnat_rule **)p;
	p += sizeof(*rs->ranges) * n_ranges;
	rs->snat = (struct nfhp_snat_rule **)p;
	p += sizeof(*rs->snat) * ns;
	rs->hent = (struct dnat_hent *)p;
	p += sizeof(*rs->hent) * n_hent;
	rs->hhead = (u32 *)p;

	rs->hmask = nb - 1;
	rs->seed = get_random_u32();
	for (i = 0; i < nd; i++) {
		struct nfhp_dnat_rule *r = dnat[i];
		u32 port;

		refcount_inc(&r->ref);
		rs->dnat[rs->n_dnat++] = r;
		if (!dnat_hashed(r)) {
			rs->ranges[rs->n_ranges++] = r;
			continue;
		}
		for (port = r->dport_min; port <= r->dport_max; port++) {
			struct dnat_hent *e = &rs->hent[rs->n_hent++];
			u32 h;

			e->r = r;
			e->dst = r->flags & NFHP_DNAT_F_LOCAL ? 0 : r->dst;
			e->port = port;
			e->proto = r->proto;
			h = hent_hash(rs, e->proto, e->dst, e->port);
			e->next = rs->hhead[h];
			rs->hhead[h] = rs->n_hent;
		}
	}
	for (i = 0; i < ns; i++) {
		refcount_inc(&snat[i]->ref);
		rs->snat[rs->n_snat++] = snat[i];
	}
	return rs;
}

static void rules_free(struct nfhp_rules *rs)
{
	u32 i;

	for (i = 0; i < rs->n_dnat; i++)
		nfhp_dnat_put(rs->dnat[i]);
	for (i = 0; i < rs->n_snat; i++)
		nfhp_snat_put(rs->snat[i]);
	kvfree(rs);
}

static void rules_free_rcu(struct rcu_head *head)
{
	rules_free(container_of(head, struct nfhp_rules, rcu));
}

static struct nfhp_rules *rules_locked(struct nfhp_net *hn)
{
	return rcu_dereference_protected(hn->rules, lockdep_is_held(&hn->lock));
}

/*
 * Publish @rs (consumed in every case).  If the hooks cannot follow, the
 * old set goes back and the error is returned: nothing changed.
 */
static int rules_commit(struct nfhp_net *hn, struct nfhp_rules *rs,
			struct netlink_ext_ack *extack)
{
	struct nfhp_rules *old = rules_locked(hn);
	int err;

	lockdep_assert_held(&hn->lock);
	rs->gen = old ? old->gen + 1 : 2;
	rcu_assign_pointer(hn->rules, rs);
	err = nfhp_hooks_sync(hn);
	if (err) {
		rcu_assign_pointer(hn->rules, old);
		nfhp_hooks_sync(hn);
		call_rcu(&rs->rcu, rules_free_rcu);
		NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
		return err;
	}
	if (old)
		call_rcu(&old->rcu, rules_free_rcu);
	return 0;
}

static u32 rules_max(struct nfhp_net *hn)
{
	return READ_ONCE(hn->cfg.rules_max);
}

/*
 * Publish a set of the current rules with the ones at @skip_d and @skip_s
 * (indexes, or -1) left out and @add_d and @add_s (or NULL) appended.
 */
static int rules_edit(struct nfhp_net *hn, int skip_d,
		      struct nfhp_dnat_rule *add_d, int skip_s,
		      struct nfhp_snat_rule *add_s,
		      struct netlink_ext_ack *extack)
{
	struct nfhp_rules *old = rules_locked(hn), *rs = NULL;
	u32 i, nd = 0, ns = 0, od = old ? old->n_dnat : 0;
	u32 os = old ? old->n_snat : 0;
	struct nfhp_dnat_rule **dv;
	struct nfhp_snat_rule **sv;

	dv = kvmalloc_array(od + 1, sizeof(*dv), GFP_KERNEL);
	sv = kvmalloc_array(os + 1, sizeof(*sv), GFP_KERNEL);
	if (dv && sv) {
		for (i = 0; i < od; i++)
			if (i != skip_d)
				dv[nd++] = old->dnat[i];
		if (add_d)
			dv[nd++] = add_d;
		for (i = 0; i < os; i++)
			if (i != skip_s)
				sv[ns++] = old->snat[i];
		if (add_s)
			sv[ns++] = add_s;
		rs = rules_build(dv, nd, sv, ns);
	}
	kvfree(dv);
	kvfree(sv);
	if (!rs)
		return -ENOMEM;
	return rules_commit(hn, rs, extack);
}

/* The next id of a kind, or 0 when they ran out. */
static u32 next_id(u32 *counter, struct netlink_ext_ack *extack)
{
	if (*counter == U32_MAX) {
		NL_SET_ERR_MSG(extack, "rule ids exhausted: use replace");
		return 0;
	}
	return *counter + 1;
}

int nfhp_rules_dnat_add(struct nfhp_net *hn, struct nfhp_dnat_rule *r,
			struct netlink_ext_ack *extack)
{
	struct nfhp_rules *old = rules_locked(hn);
	u32 i, n = old ? old->n_dnat : 0;
	int err;

	lockdep_assert_held(&hn->lock);
	for (i = 0; i < n; i++) {
		if (dnat_clash(old->dnat[i], r)) {
			NL_SET_ERR_MSG(extack, "DNAT rule with this match exists");
			return -EEXIST;
		}
	}
	if (n >= rules_max(hn)) {
		NL_SET_ERR_MSG(extack, "DNAT rule limit (rules-max) reached");
		return -ENOSPC;
	}
	r->id = next_id(&hn->dnat_next_id, extack);
	if (!r->id)
		return -ENOSPC;
	err = rules_edit(hn, -1, r, -1, NULL, extack);
	if (err)
		r->id = 0;
	else
		hn->dnat_next_id = r->id;
	return err;
}

int nfhp_rules_snat_add(struct nfhp_net *hn, struct nfhp_snat_rule *r,
			struct netlink_ext_ack *extack)
{
	struct nfhp_rules *old = rules_locked(hn);
	u32 i, n = old ? old->n_snat : 0;
	int err;

	lockdep_assert_held(&hn->lock);
	for (i = 0; i < n; i++) {
		if (snat_same(old->snat[i], r)) {
			NL_SET_ERR_MSG(extack, "SNAT rule with this match exists");
			return -EEXIST;
		}
	}
	if (n >= rules_max(hn)) {
		NL_SET_ERR_MSG(extack, "SNAT rule limit (rules-max) reached");
		return -ENOSPC;
	}
	r->id = next_id(&hn->snat_next_id, extack);
	if (!r->id)
		return -ENOSPC;
	err = rules_edit(hn, -1, NULL, -1, r, extack);
	if (err)
		r->id = 0;
	else
		hn->snat_next_id = r->id;
	return err;
}

int nfhp_rules_dnat_del(struct nfhp_net *hn, u32 id,
			const struct nfhp_dnat_rule *match,
			struct netlink_ext_ack *extack)
{
	struct nfhp_rules *old = rules_locked(hn);
	u32 i, n = old ? old->n_dnat : 0;

	lockdep_assert_held(&hn->lock);
	for (i = 0; i < n; i++) {
		if (id ? old->dnat[i]->id == id : dnat_same(old->dnat[i], match))
			return rules_edit(hn, i, NULL, -1, NULL, extack);
	}
	if (id)
		NL_SET_ERR_MSG(extack, "no DNAT rule with this id");
	else
		NL_SET_ERR_MSG(extack, "no DNAT rule with this match");
	return -ENOENT;
}

int nfhp_rules_snat_del(struct nfhp_net *hn, u32 id,
			const struct nfhp_snat_rule *match,
			struct netlink_ext_ack *extack)
{
	struct nfhp_rules *old = rules_locked(hn);
	u32 i, n = old ? old->n_snat : 0;

	lockdep_assert_held(&hn->lock);
	for (i = 0; i < n; i++) {
		if (id ? old->snat[i]->id == id : snat_same(old->snat[i], match))
			return rules_edit(hn, -1, NULL, i, NULL, extack);
	}
	if (id)
		NL_SET_ERR_MSG(extack, "no SNAT rule with this id");
	else
		NL_SET_ERR_MSG(extack, "no SNAT rule with this match");
	return -ENOENT;
}

/* Sort order that puts rules with the same match next to each other. */
static int dnat_cmp(const void *pa, const void *pb)
{
	const struct nfhp_dnat_rule *a = *(const struct nfhp_dnat_rule **)pa;
	const struct nfhp_dnat_rule *b = *(const struct nfhp_dnat_rule **)pb;
	int d;

	d = (int)a->proto - b->proto;
	if (!d)
		d = (int)(a->flags & NFHP_DNAT_F_LOCAL) -
		    (int)(b->flags & NFHP_DNAT_F_LOCAL);
	if (!d && a->dst != b->dst)
		d = ntohl(a->dst) < ntohl(b->dst) ? -1 : 1;
	if (!d && a->src != b->src)
		d = ntohl(a->src) < ntohl(b->src) ? -1 : 1;
	if (!d)
		d = (int)a->src_plen - b->src_plen;
	if (!d)
		d = strcmp(a->iif, b->iif);
	if (!d)
		d = (int)a->dport_min - b->dport_min;
	if (!d)
		d = a->id < b->id ? -1 : a->id > b->id;
	return d;
}

static int snat_cmp(const void *pa, const void *pb)
{
	const struct nfhp_snat_rule *a = *(const struct nfhp_snat_rule **)pa;
	const struct nfhp_snat_rule *b = *(const struct nfhp_snat_rule **)pb;

	if (!snat_same(a, b))
		return memcmp(&a->src, &b->src, offsetof(struct nfhp_snat_rule,
							 to) -
			      offsetof(struct nfhp_snat_rule, src)) ?:
		       strcmp(a->oif, b->oif);
	return a->id < b->id ? -1 : a->id > b->id;
}

/*
 * Index (id - 1) of a rule in @v that clashes with an earlier one, or -1.
 * Sorts a copy: O(n log n) for a whole REPLACE.
 */
static int dnat_find_clash(struct nfhp_dnat_rule **v, u32 n)
{
	struct nfhp_dnat_rule **s;
	int bad = -1;
	u32 i;

	if (n < 2)
		return -1;
	s = kvmalloc_array(n, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -2;
	memcpy(s, v, n * sizeof(*s));
	sort(s, n, sizeof(*s), dnat_cmp, NULL);
	/*
	 * Equal matches are adjacent, sorted by dport_min: while the ranges
	 * seen so far are disjoint, an overlap shows between neighbours.
	 */
	for (i = 1; i < n && bad < 0; i++)
		if (dnat_clash(s[i - 1], s[i]))
			bad = max(s[i - 1]->id, s[i]->id) - 1;
	kvfree(s);
	return bad;
}

static int snat_find_clash(struct nfhp_snat_rule **v, u32 n)
{
	struct nfhp_snat_rule **s;
	int bad = -1;
	u32 i;

	if (n < 2)
		return -1;
	s = kvmalloc_array(n, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -2;
	memcpy(s, v, n * sizeof(*s));
	sort(s, n, sizeof(*s), snat_cmp, NULL);
	for (i = 1; i < n && bad < 0; i++)
		if (snat_same(s[i - 1], s[i]))
			bad = max(s[i - 1]->id, s[i]->id) - 1;
	kvfree(s);
	return bad;
}

int nfhp_rules_replace(struct nfhp_net *hn, struct nfhp_dnat_rule **dnat,
		       u32 n_dnat, struct nfhp_snat_rule **snat, u32 n_snat,
		       int *bad_dnat, int *bad_snat,
		       struct netlink_ext_ack *extack)
{
	struct nfhp_rules *rs;
	u32 i;
	int err;

	lockdep_assert_held(&hn->lock);
	*bad_dnat = -1;
	*bad_snat = -1;
	if (n_dnat > rules_max(hn)) {
		NL_SET_ERR_MSG(extack, "too many DNAT rules (rules-max)");
		return -ENOSPC;
	}
	if (n_snat > rules_max(hn)) {
		NL_SET_ERR_MSG(extack, "too many SNAT rules (rules-max)");
		return -ENOSPC;
	}
	for (i = 0; i < n_dnat; i++)
		dnat[i]->id = i + 1;
	for (i = 0; i < n_snat; i++)
		snat[i]->id = i + 1;
	*bad_dnat = dnat_find_clash(dnat, n_dnat);
	*bad_snat = snat_find_clash(snat, n_snat);
	if (*bad_dnat == -2 || *bad_snat == -2) {
		*bad_dnat = -1;
		*bad_snat = -1;
		return -ENOMEM;
	}
	if (*bad_dnat >= 0) {
		NL_SET_ERR_MSG(extack, "DNAT rule with this match exists");
		return -EEXIST;
	}
	if (*bad_snat >= 0) {
		NL_SET_ERR_MSG(extack, "SNAT rule with this match exists");
		return -EEXIST;
	}
	rs = rules_build(dnat, n_dnat, snat, n_snat);
	if (!rs)
		return -ENOMEM;
	err = rules_commit(hn, rs, extack);
	if (!err) {
		hn->dnat_next_id = n_dnat;
		hn->snat_next_id = n_snat;
	}
	return err;
}

int nfhp_rules_flush(struct nfhp_net *hn, struct netlink_ext_ack *extack)
{
	struct nfhp_rules *rs;

	lockdep_assert_held(&hn->lock);
	rs = rules_build(NULL, 0, NULL, 0);
	if (!rs)
		return -ENOMEM;
	return rules_commit(hn, rs, extack);
}

/* ---- dumps ---- */

const struct nfhp_rules *nfhp_rules_rcu(struct nfhp_net *hn)
{
	return rcu_dereference(hn->rules);
}

u32 nfhp_rules_gen(const struct nfhp_rules *rs)
{
	return rs ? rs->gen : 1;
}

#define DEFINE_SEEK(kind)						\
u32 nfhp_rules_##kind##_seek(const struct nfhp_rules *rs, u32 after)	\
{									\
	u32 lo = 0, hi = rs ? rs->n_##kind : 0;				\
									\
	while (lo < hi) {						\
		u32 mid = lo + (hi - lo) / 2;				\
									\
		if (rs->kind[mid]->id <= after)				\
			lo = mid + 1;					\
		else							\
			hi = mid;					\
	}								\
	return lo;							\
}

DEFINE_SEEK(dnat)
DEFINE_SEEK(snat)

const struct nfhp_dnat_rule *nfhp_rules_dnat_at(const struct nfhp_rules *rs,
						u32 i)
{
	return rs && i < rs->n_dnat ? rs->dnat[i] : NULL;
}

const struct nfhp_snat_rule *nfhp_rules_snat_at(const struct nfhp_rules *rs,
						u32 i)
{
	return rs && i < rs->n_snat ? rs->snat[i] : NULL;
}

/* ---- namespaces and module ---- */

void nfhp_rules_net_init(struct nfhp_net *hn)
{
	RCU_INIT_POINTER(hn->rules, NULL);
	hn->dnat_next_id = 0;
	hn->snat_next_id = 0;
}

/* After the packet path of the namespace is gone. */
void nfhp_rules_net_exit(struct nfhp_net *hn)
{
	struct nfhp_rules *rs = rcu_dereference_protected(hn->rules, true);

	RCU_INIT_POINTER(hn->rules, NULL);
	if (rs)
		call_rcu(&rs->rcu, rules_free_rcu);
}

void nfhp_rules_exit(void)
{
	/*
	 * Set callbacks (and connection callbacks) put rules, which queues
	 * their own callbacks: two barriers to see the second generation.
	 */
	rcu_barrier();
	rcu_barrier();
}
