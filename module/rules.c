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
 * the published set untouched: netlink.c prepares a set, registers the
 * hooks if the set has rules, and only then publishes it, which cannot
 * fail.  Building a set costs O(n) in its size; the
 * packet path pays nothing for it.
 *
 * Rules are shared between the sets that contain them and are reference
 * counted: every set holds one reference on each of its rules, connections
 * hold more (nfhp_rule_get()).  The last put frees the rule through
 * call_rcu(), its per-CPU counters with it.
 *
 * Rule ids are per namespace and per kind, increasing; a deleted id is not
 * reused: each set carries the last id given out of each kind.
 * NFHP_CMD_REPLACE numbers the new rules from 1 in message order (a
 * restored configuration gets the ids it would have in a fresh namespace);
 * NFHP_CMD_FLUSH keeps counting.
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
	u32			last_id[NFHP_RULE_KINDS];
	u32			n[NFHP_RULE_KINDS];
	struct nfhp_rule	**v[NFHP_RULE_KINDS];	/* in id order */
	u32			n_ranges;
	u32			n_hent;
	u32			hmask;
	u32			seed;
	struct nfhp_dnat_rule	**ranges;	/* wider than RANGE_HASH_MAX */
	struct dnat_hent	*hent;
	u32			*hhead;		/* hmask + 1 chains */
};

/* NL_SET_ERR_MSG() wants a literal: one message for each kind. */
#define KIND_ERR(extack, kind, dnat_msg, snat_msg) do {			\
	if ((kind) == NFHP_RULE_DNAT)					\
		NL_SET_ERR_MSG(extack, dnat_msg);			\
	else								\
		NL_SET_ERR_MSG(extack, snat_msg);			\
} while (0)

/* ---- rules ---- */

static_assert(offsetof(struct nfhp_dnat_rule, core) == 0);
static_assert(offsetof(struct nfhp_snat_rule, core) == 0);

struct nfhp_rule *nfhp_rule_alloc(enum nfhp_rule_kind kind)
{
	struct nfhp_rule *r;

	r = kzalloc(kind == NFHP_RULE_DNAT ? sizeof(struct nfhp_dnat_rule) :
					     sizeof(struct nfhp_snat_rule),
		    GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	/* Charged to the namespace admin who adds it, as the rule set is. */
	r->stats = __netdev_alloc_pcpu_stats(struct nfhp_rstats,
					     GFP_KERNEL_ACCOUNT);
	if (!r->stats) {
		kfree(r);
		return NULL;
	}
	refcount_set(&r->ref, 1);
	return r;
}

static void rule_free_rcu(struct rcu_head *head)
{
	struct nfhp_rule *r = container_of(head, struct nfhp_rule, rcu);

	free_percpu(r->stats);
	kfree(r);	/* the whole rule: the core is at its start */
}

bool nfhp_rule_get(const struct nfhp_rule *r)
{
	return refcount_inc_not_zero(&((struct nfhp_rule *)r)->ref);
}

void nfhp_rule_put(const struct nfhp_rule *r)
{
	struct nfhp_rule *w = (struct nfhp_rule *)r;

	if (r && refcount_dec_and_test(&w->ref))
		call_rcu(&w->rcu, rule_free_rcu);
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
static bool dnat_clash(const struct nfhp_rule *ra, const struct nfhp_rule *rb)
{
	const struct nfhp_dnat_rule *a = nfhp_dnat(ra), *b = nfhp_dnat(rb);

	return a->proto == b->proto &&
	       (ra->flags & NFHP_DNAT_F_LOCAL) == (rb->flags & NFHP_DNAT_F_LOCAL) &&
	       a->dst == b->dst && a->src == b->src &&
	       a->src_plen == b->src_plen && !strcmp(a->iif, b->iif) &&
	       a->dport_min <= b->dport_max && b->dport_min <= a->dport_max;
}

/* The match a DEL names: the same fields and exactly the same ports. */
static bool dnat_same(const struct nfhp_rule *ra, const struct nfhp_rule *rb)
{
	const struct nfhp_dnat_rule *a = nfhp_dnat(ra), *b = nfhp_dnat(rb);

	return dnat_clash(ra, rb) && a->dport_min == b->dport_min &&
	       a->dport_max == b->dport_max;
}

/* SNAT rules clash only when their matches are the same. */
static bool snat_same(const struct nfhp_rule *ra, const struct nfhp_rule *rb)
{
	const struct nfhp_snat_rule *a = nfhp_snat(ra), *b = nfhp_snat(rb);

	return a->proto == b->proto && a->src == b->src &&
	       a->src_plen == b->src_plen && a->dst == b->dst &&
	       a->dst_plen == b->dst_plen && !strcmp(a->oif, b->oif) &&
	       a->dport_min == b->dport_min && a->dport_max == b->dport_max;
}

/* Whether @a and @b cannot both be in a set. */
static bool rule_clash(enum nfhp_rule_kind kind, const struct nfhp_rule *a,
		       const struct nfhp_rule *b)
{
	return kind == NFHP_RULE_DNAT ? dnat_clash(a, b) : snat_same(a, b);
}

/* Whether @b, the match of a delete, names @a. */
static bool rule_same(enum nfhp_rule_kind kind, const struct nfhp_rule *a,
		      const struct nfhp_rule *b)
{
	return kind == NFHP_RULE_DNAT ? dnat_same(a, b) : snat_same(a, b);
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
	if ((a->core.flags ^ b->core.flags) & NFHP_DNAT_F_LOCAL)
		return !(a->core.flags & NFHP_DNAT_F_LOCAL);
	return a->core.id < b->core.id;
}

/* @r if it matches @saddr and @in and beats @best, else @best. */
static const struct nfhp_dnat_rule *
dnat_pick(const struct nfhp_dnat_rule *r, const struct nfhp_dnat_rule *best,
	  __be32 saddr, const struct net_device *in)
{
	if ((saddr & r->src_mask) == r->src && dev_match(r->iif, in) &&
	    dnat_better(r, best))
		return r;
	return best;
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

		i = e->next;
		if (e->dst == dst && e->port == port && e->proto == proto)
			best = dnat_pick(e->r, best, saddr, in);
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

	if (!rs || !rs->n[NFHP_RULE_DNAT])
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
		if (r->core.flags & NFHP_DNAT_F_LOCAL ? !daddr_local :
							r->dst != daddr)
			continue;
		best = dnat_pick(r, best, saddr, in);
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
	for (i = 0; i < rs->n[NFHP_RULE_SNAT]; i++) {
		const struct nfhp_snat_rule *r;

		r = nfhp_snat(rs->v[NFHP_RULE_SNAT][i]);

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

bool nfhp_snat_faces(struct nfhp_net *hn, const struct nfhp_snat_rule *own,
		     const struct net_device *in)
{
	const struct nfhp_rules *rs = rcu_dereference(hn->rules);
	u32 i;

	if (!in)
		return false;
	if (own && own->oif[0] && dev_match(own->oif, in))
		return true;
	if (!rs)
		return false;
	for (i = 0; i < rs->n[NFHP_RULE_SNAT]; i++) {
		const struct nfhp_snat_rule *r;

		r = nfhp_snat(rs->v[NFHP_RULE_SNAT][i]);
		if ((r->core.flags & NFHP_SNAT_F_MASQUERADE) && r->oif[0] &&
		    dev_match(r->oif, in))
			return true;
	}
	return false;
}

/* ---- building and publishing sets ---- */

static bool dnat_hashed(const struct nfhp_dnat_rule *r)
{
	return r->dport_max - r->dport_min < RANGE_HASH_MAX;
}

static void dnat_hash(struct nfhp_rules *rs, struct nfhp_dnat_rule *r)
{
	u32 port;

	if (!dnat_hashed(r)) {
		rs->ranges[rs->n_ranges++] = r;
		return;
	}
	for (port = r->dport_min; port <= r->dport_max; port++) {
		struct dnat_hent *e = &rs->hent[rs->n_hent++];
		u32 h;

		e->r = r;
		e->dst = r->core.flags & NFHP_DNAT_F_LOCAL ? 0 : r->dst;
		e->port = port;
		e->proto = r->proto;
		h = hent_hash(rs, e->proto, e->dst, e->port);
		e->next = rs->hhead[h];
		rs->hhead[h] = rs->n_hent;
	}
}

/*
 * A new set holding references on the @n[kind] rules of @v[kind] (in this
 * order, which must be id order).  Nothing is checked here.
 */
static struct nfhp_rules *rules_build(struct nfhp_rule **const v[NFHP_RULE_KINDS],
				      const u32 n[NFHP_RULE_KINDS])
{
	u32 i, k, n_hent = 0, n_ranges = 0, nb;
	struct nfhp_rules *rs;
	size_t size;
	char *p;

	for (i = 0; i < n[NFHP_RULE_DNAT]; i++) {
		const struct nfhp_dnat_rule *r = nfhp_dnat(v[NFHP_RULE_DNAT][i]);

		if (dnat_hashed(r))
			n_hent += r->dport_max - r->dport_min + 1;
		else
			n_ranges++;
	}
	nb = roundup_pow_of_two(max(n_hent, 16U));

	size = sizeof(*rs) +
	       sizeof(*rs->v[0]) * ((size_t)n[0] + n[1]) +
	       sizeof(*rs->ranges) * (size_t)n_ranges +
	       sizeof(*rs->hent) * (size_t)n_hent +
	       sizeof(*rs->hhead) * (size_t)nb;
	rs = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!rs)
		return NULL;
	p = (char *)(rs + 1);
	for (k = 0; k < NFHP_RULE_KINDS; k++) {
		rs->v[k] = (struct nfhp_rule **)p;
		p += sizeof(*rs->v[k]) * n[k];
	}
	rs->ranges = (struct nfhp_dnat_rule **)p;
	p += sizeof(*rs->ranges) * n_ranges;
	rs->hent = (struct dnat_hent *)p;
	p += sizeof(*rs->hent) * n_hent;
	rs->hhead = (u32 *)p;

	rs->hmask = nb - 1;
	rs->seed = get_random_u32();
	for (k = 0; k < NFHP_RULE_KINDS; k++) {
		for (i = 0; i < n[k]; i++) {
			refcount_inc(&v[k][i]->ref);
			rs->v[k][rs->n[k]++] = v[k][i];
			if (k == NFHP_RULE_DNAT)
				dnat_hash(rs, nfhp_dnat(v[k][i]));
		}
	}
	return rs;
}

static void rules_free(struct nfhp_rules *rs)
{
	u32 i, k;

	for (k = 0; k < NFHP_RULE_KINDS; k++)
		for (i = 0; i < rs->n[k]; i++)
			nfhp_rule_put(rs->v[k][i]);
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

/* A set nfhp_rules_prepare_*() made, never published. */
void nfhp_rules_abort(struct nfhp_rules *rs)
{
	rules_free(rs);
}

/* Publish @rs in place of the current set; the old one goes after RCU. */
void nfhp_rules_publish(struct nfhp_net *hn, struct nfhp_rules *rs)
{
	struct nfhp_rules *old = rules_locked(hn);

	lockdep_assert_held(&hn->lock);
	rs->gen = old ? old->gen + 1 : 2;
	rcu_assign_pointer(hn->rules, rs);
	if (old)
		call_rcu(&old->rcu, rules_free_rcu);
}

bool nfhp_rules_empty(const struct nfhp_rules *rs)
{
	return !rs->n[NFHP_RULE_DNAT] && !rs->n[NFHP_RULE_SNAT];
}

static u32 rules_max(struct nfhp_net *hn)
{
	return READ_ONCE(hn->cfg.rules_max);
}

/*
 * A set of the current rules with the one of @kind at @skip (an index, or
 * -1) left out and @add (or NULL) appended, or NULL.
 */
static struct nfhp_rules *rules_edit(struct nfhp_net *hn,
				     enum nfhp_rule_kind kind, int skip,
				     struct nfhp_rule *add)
{
	struct nfhp_rules *old = rules_locked(hn), *rs;
	struct nfhp_rule **v[NFHP_RULE_KINDS], **nv;
	u32 n[NFHP_RULE_KINDS], i, k, m;

	for (k = 0; k < NFHP_RULE_KINDS; k++) {
		v[k] = old ? old->v[k] : NULL;
		n[k] = old ? old->n[k] : 0;
	}
	nv = kvmalloc_array(n[kind] + 1, sizeof(*nv), GFP_KERNEL);
	if (!nv)
		return NULL;
	for (i = 0, m = 0; i < n[kind]; i++)
		if (i != skip)
			nv[m++] = v[kind][i];
	if (add)
		nv[m++] = add;
	v[kind] = nv;
	n[kind] = m;
	rs = rules_build(v, n);
	kvfree(nv);
	if (rs && old)
		memcpy(rs->last_id, old->last_id, sizeof(rs->last_id));
	return rs;
}

struct nfhp_rules *nfhp_rules_prepare_add(struct nfhp_net *hn,
					  enum nfhp_rule_kind kind,
					  struct nfhp_rule *r,
					  struct netlink_ext_ack *extack)
{
	struct nfhp_rules *old = rules_locked(hn), *rs;
	u32 i, n = old ? old->n[kind] : 0;
	u32 id = old ? old->last_id[kind] : 0;

	lockdep_assert_held(&hn->lock);
	for (i = 0; i < n; i++) {
		if (rule_clash(kind, old->v[kind][i], r)) {
			KIND_ERR(extack, kind, "DNAT rule with this match exists",
				 "SNAT rule with this match exists");
			return ERR_PTR(-EEXIST);
		}
	}
	if (n >= rules_max(hn)) {
		KIND_ERR(extack, kind, "DNAT rule limit (rules-max) reached",
			 "SNAT rule limit (rules-max) reached");
		return ERR_PTR(-ENOSPC);
	}
	if (id == U32_MAX) {
		NL_SET_ERR_MSG(extack, "rule ids exhausted: use replace");
		return ERR_PTR(-ENOSPC);
	}
	r->id = id + 1;
	rs = rules_edit(hn, kind, -1, r);
	if (!rs)
		return ERR_PTR(-ENOMEM);
	rs->last_id[kind] = r->id;
	return rs;
}

struct nfhp_rules *nfhp_rules_prepare_del(struct nfhp_net *hn,
					  enum nfhp_rule_kind kind, u32 id,
					  const struct nfhp_rule *match,
					  struct netlink_ext_ack *extack)
{
	struct nfhp_rules *old = rules_locked(hn), *rs;
	u32 i, n = old ? old->n[kind] : 0;

	lockdep_assert_held(&hn->lock);
	for (i = 0; i < n; i++) {
		const struct nfhp_rule *r = old->v[kind][i];

		if (id ? r->id == id : rule_same(kind, r, match)) {
			rs = rules_edit(hn, kind, i, NULL);
			return rs ?: ERR_PTR(-ENOMEM);
		}
	}
	if (id)
		KIND_ERR(extack, kind, "no DNAT rule with this id",
			 "no SNAT rule with this id");
	else
		KIND_ERR(extack, kind, "no DNAT rule with this match",
			 "no SNAT rule with this match");
	return ERR_PTR(-ENOENT);
}

/* Sort orders that put rules with the same match next to each other. */
static int dnat_cmp(const void *pa, const void *pb)
{
	const struct nfhp_rule *ra = *(const struct nfhp_rule **)pa;
	const struct nfhp_rule *rb = *(const struct nfhp_rule **)pb;
	const struct nfhp_dnat_rule *a = nfhp_dnat(ra), *b = nfhp_dnat(rb);
	int d;

	d = (int)a->proto - b->proto;
	if (!d)
		d = (int)(ra->flags & NFHP_DNAT_F_LOCAL) -
		    (int)(rb->flags & NFHP_DNAT_F_LOCAL);
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
		d = ra->id < rb->id ? -1 : ra->id > rb->id;
	return d;
}

static int snat_cmp(const void *pa, const void *pb)
{
	const struct nfhp_rule *ra = *(const struct nfhp_rule **)pa;
	const struct nfhp_rule *rb = *(const struct nfhp_rule **)pb;
	const struct nfhp_snat_rule *a = nfhp_snat(ra), *b = nfhp_snat(rb);

	if (!snat_same(ra, rb))
		return memcmp(&a->src, &b->src, offsetof(struct nfhp_snat_rule,
							 to) -
			      offsetof(struct nfhp_snat_rule, src)) ?:
		       strcmp(a->oif, b->oif);
	return ra->id < rb->id ? -1 : ra->id > rb->id;
}

/*
 * Index (id - 1) of a rule of @kind in @v that clashes with an earlier
 * one, -1 if none, -2 without memory.  Sorts a copy: O(n log n) for a
 * whole REPLACE.
 */
static int find_clash(enum nfhp_rule_kind kind, struct nfhp_rule **v, u32 n)
{
	struct nfhp_rule **s;
	int bad = -1;
	u32 i;

	if (n < 2)
		return -1;
	s = kvmalloc_array(n, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -2;
	memcpy(s, v, n * sizeof(*s));
	sort(s, n, sizeof(*s), kind == NFHP_RULE_DNAT ? dnat_cmp : snat_cmp,
	     NULL);
	/*
	 * Equal matches are adjacent, DNAT rules sorted by dport_min: while
	 * the ranges seen so far are disjoint, an overlap shows between
	 * neighbours.
	 */
	for (i = 1; i < n && bad < 0; i++)
		if (rule_clash(kind, s[i - 1], s[i]))
			bad = max(s[i - 1]->id, s[i]->id) - 1;
	kvfree(s);
	return bad;
}

struct nfhp_rules *
nfhp_rules_prepare_replace(struct nfhp_net *hn,
			   struct nfhp_rule **const v[NFHP_RULE_KINDS],
			   const u32 n[NFHP_RULE_KINDS],
			   int bad[NFHP_RULE_KINDS],
			   struct netlink_ext_ack *extack)
{
	struct nfhp_rules *rs;
	u32 i, k;

	lockdep_assert_held(&hn->lock);
	for (k = 0; k < NFHP_RULE_KINDS; k++)
		bad[k] = -1;
	for (k = 0; k < NFHP_RULE_KINDS; k++) {
		if (n[k] > rules_max(hn)) {
			KIND_ERR(extack, k, "too many DNAT rules (rules-max)",
				 "too many SNAT rules (rules-max)");
			return ERR_PTR(-ENOSPC);
		}
	}
	for (k = 0; k < NFHP_RULE_KINDS; k++) {
		for (i = 0; i < n[k]; i++)
			v[k][i]->id = i + 1;
		bad[k] = find_clash(k, v[k], n[k]);
	}
	if (bad[NFHP_RULE_DNAT] == -2 || bad[NFHP_RULE_SNAT] == -2) {
		bad[NFHP_RULE_DNAT] = -1;
		bad[NFHP_RULE_SNAT] = -1;
		return ERR_PTR(-ENOMEM);
	}
	for (k = 0; k < NFHP_RULE_KINDS; k++) {
		if (bad[k] >= 0) {
			KIND_ERR(extack, k, "DNAT rule with this match exists",
				 "SNAT rule with this match exists");
			return ERR_PTR(-EEXIST);
		}
	}
	rs = rules_build(v, n);
	if (!rs)
		return ERR_PTR(-ENOMEM);
	memcpy(rs->last_id, n, sizeof(rs->last_id));
	return rs;
}

struct nfhp_rules *nfhp_rules_prepare_flush(struct nfhp_net *hn)
{
	struct nfhp_rule **const none[NFHP_RULE_KINDS] = {};
	const u32 zero[NFHP_RULE_KINDS] = {};
	struct nfhp_rules *old = rules_locked(hn), *rs;

	lockdep_assert_held(&hn->lock);
	rs = rules_build(none, zero);
	if (!rs)
		return ERR_PTR(-ENOMEM);
	if (old)
		memcpy(rs->last_id, old->last_id, sizeof(rs->last_id));
	return rs;
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

const struct nfhp_rule *nfhp_rules_next(const struct nfhp_rules *rs,
					enum nfhp_rule_kind kind, u32 after)
{
	u32 lo = 0, hi = rs ? rs->n[kind] : 0;

	while (lo < hi) {	/* the first index with an id above @after */
		u32 mid = lo + (hi - lo) / 2;

		if (rs->v[kind][mid]->id <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return rs && lo < rs->n[kind] ? rs->v[kind][lo] : NULL;
}

/* ---- namespaces and module ---- */

void nfhp_rules_net_init(struct nfhp_net *hn)
{
	RCU_INIT_POINTER(hn->rules, NULL);
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
