// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin connection table.
 *
 * Design
 * ------
 * One table per namespace, allocated when the namespace gets its hooks.
 * A connection is hashed two or three times (struct nfhp_conn, conn.h):
 * by its ORIG tuple, its REPLY tuple and, when it has both DNAT and SNAT,
 * by its POST tuple, the one POSTROUTING sees.  The hash is symmetric (a
 * keyed siphash of the two endpoints in a fixed order), so a tuple and its
 * inverse share a bucket and one walk finds either: that is how the
 * POSTROUTING hook recognises the original direction after DNAT without
 * any help from the skb.  Every hashed tuple is unique in the table, in
 * either orientation; insertion checks it under the buckets' locks.
 *
 * Readers walk plain hlists under RCU and take no reference.  Writers lock
 * the (striped) bucket locks of all the nodes of a connection in index
 * order, unlink with hlist_del_init_rcu() (a node's ->next stays valid for
 * readers; pprev NULL marks it dead) and free the connection after a grace
 * period.  Connections are never moved between chains and their slab is not
 * SLAB_TYPESAFE_BY_RCU, so a reader that found a node may use it, stale or
 * not, until rcu_read_unlock(), and needs no get-unless-zero and re-check.
 *
 * Expiry is lazy: the packet path only moves the deadline, a delayed work
 * per namespace walks a slice of the buckets per run (the whole table about
 * once a second) and kills what has expired.  A connection that expired but
 * was not collected yet is still found and revived by its next packet.
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/sched/mm.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/netns/hash.h>

#include "nf_hairpin.h"
#include "rules.h"
#include "conn.h"
#include "ct.h"

/**
 * struct nfhp_conn_table - a namespace's connections
 * @buckets:	hmask + 1 chains of nodes, symmetric siphash of the tuple
 * @map_int:	hmask + 1 chains of mapping connections by internal endpoint
 * @map_ext:	hmask + 1 chains of mapping connections by external endpoint
 * @locks:	NFHP_CONN_LOCKS striped spinlocks for writers
 * @hmask:	number of buckets - 1
 * @count:	connections in the table (limit: cfg.conn_max)
 * @gen:	dump generation, changes when the table is flushed
 * @gc:		expiry, a bounded slice of the buckets per run
 * @gc_next:	the bucket the next GC run starts at
 * @memcg:	charged for the connections (see nfhp_conn_table_alloc()), or
 *		NULL
 * @hn:		the namespace
 */
struct nfhp_conn_table {
	struct nfhp_net		*hn;
	struct hlist_head	*buckets;
	struct hlist_head	*map_int;
	struct hlist_head	*map_ext;
	spinlock_t		*locks;
	unsigned int		hmask;
	atomic_t		count;
	atomic_t		gen;
	struct delayed_work	gc;
	unsigned int		gc_next;
	struct mem_cgroup	*memcg;
};

#define NFHP_CONN_LOCKS		1024

/*
 * The whole table is scanned in NFHP_GC_SLICES runs, in a quarter of the
 * namespace's shortest timeout (gc_interval()), but not more often than
 * once a second nor less than every 8 seconds: a connection is collected
 * at most a quarter of its timeout late.  Scanning a large table every
 * second whatever the timeouts cost a few percent of a busy router's CPU
 * (make bench's profile); until it is collected, an expired connection is
 * still found (and revived by its next packet) and a full table evicts it
 * first (nfhp_conn_evict(): closest to its deadline).
 */
#define NFHP_GC_SLICES		8
#define NFHP_GC_INTERVAL	(HZ / NFHP_GC_SLICES)
#define NFHP_GC_PASS_MAX	(8 * HZ)

/* Walk a chain's nodes under rcu_read_lock() or, if @cond, its lock. */
#define conn_for_each(n, head, cond)					\
	for (n = rcu_dereference_check(hlist_first_rcu(head), cond); n;	\
	     n = rcu_dereference_check(hlist_next_rcu(n), cond))
#define conn_for_each_rcu(n, head)	conn_for_each(n, head, false)

/*
 * A connection that holds a mapping (NFHP_CONN_X_MAP): in the mapping
 * index by its internal endpoint (ORIG src/sport) and by its external one
 * (REPLY dst/dport), as nf_nat's bysource hash indexes its SNAT'd entries.
 * All the connections of one internal endpoint on one external address
 * share the external port (endpoint-independent mapping): the mapping
 * lives as long as one of them does, and needs no object of its own.
 */
struct nfhp_mconn {
	struct nfhp_conn	c;
	struct hlist_node	by_int;
	struct hlist_node	by_ext;
};

static struct kmem_cache *nfhp_conn_cache __read_mostly;
static struct kmem_cache *nfhp_mconn_cache __read_mostly;
static siphash_key_t nfhp_conn_key __read_mostly;
/* Who hears of connections made and destroyed (netlink.c). */
static void (*conn_notify)(struct nfhp_net *hn, const struct nfhp_conn *c,
			   enum nfhp_conn_event ev) __read_mostly;

static_assert(offsetof(struct nfhp_thash, kind) == sizeof(struct hlist_node));
static_assert(sizeof(struct nfhp_conn) <= 128);
static_assert(offsetof(struct nfhp_conn, post_kind) ==
	      offsetof(struct nfhp_conn, post) + sizeof(struct hlist_node));

static u32 conn_hash(const struct nfhp_net *hn, u8 proto,
		     const struct nfhp_tuple *t)
{
	u64 a = (u64)(__force u32)t->src << 16 | (__force u16)t->sport;
	u64 b = (u64)(__force u32)t->dst << 16 | (__force u16)t->dport;

	if (a > b)
		swap(a, b);
	return (u32)siphash_3u64(a, b, (u64)proto << 32 | net_hash_mix(hn->net),
				 &nfhp_conn_key);
}

/* The mapping index: one endpoint, in a domain of its own (@ext). */
static u32 map_hash(const struct nfhp_net *hn, u8 proto, __be32 addr,
		    __be16 port, bool ext)
{
	u64 a = (u64)(__force u32)addr << 16 | (__force u16)port;

	return (u32)siphash_3u64(a, ext, (u64)proto << 32 |
				 net_hash_mix(hn->net), &nfhp_conn_key);
}

static struct nfhp_mconn *mconn(const struct nfhp_conn *c)
{
	return container_of(c, struct nfhp_mconn, c);
}

static bool tuple_eq(const struct nfhp_tuple *a, const struct nfhp_tuple *b)
{
	return a->src == b->src && a->dst == b->dst &&
	       a->sport == b->sport && a->dport == b->dport;
}

static bool tuple_inv_eq(const struct nfhp_tuple *a,
			 const struct nfhp_tuple *b)
{
	return a->src == b->dst && a->dst == b->src &&
	       a->sport == b->dport && a->dport == b->sport;
}

/* The tuple node @n stands for, and its connection. */
static struct nfhp_conn *node_tuple(struct hlist_node *n, struct nfhp_tuple *t,
				    u8 *kind)
{
	struct nfhp_conn *c = nfhp_conn_of(n);

	*kind = nfhp_node_kind(n);
	if (*kind == NFHP_NODE_POST)
		nfhp_conn_post(c, t);
	else
		*t = c->th[*kind].t;
	return c;
}

static bool has_post(const struct nfhp_conn *c)
{
	return (c->flags & (NFHP_CONN_F_DNAT | NFHP_CONN_F_SNAT)) ==
	       (NFHP_CONN_F_DNAT | NFHP_CONN_F_SNAT);
}

/*
 * Which direction a packet of tuple @t travels if it matches node @kind of
 * @c (@inv: inverted) at @stage; -1 if such a packet is none of this
 * connection's business at this stage.
 */
static int node_dir(const struct nfhp_conn *c, u8 kind, bool inv,
		    enum nfhp_stage stage)
{
	if (c->flags & NFHP_CONN_F_PORTMAP) {
		/* ORIG as received; REPLY both before and after routing:
		 * translated after, where it looks like no other's.
		 */
		if (inv || (kind == NFHP_NODE_ORIG && stage != NFHP_STAGE_IN))
			return -1;
		return kind == NFHP_NODE_ORIG ? NFHP_DIR_ORIG : NFHP_DIR_REPLY;
	}
	if (stage == NFHP_STAGE_IN) {
		if (inv || kind == NFHP_NODE_POST)
			return -1;
		return kind == NFHP_NODE_ORIG ? NFHP_DIR_ORIG : NFHP_DIR_REPLY;
	}
	switch (kind) {
	case NFHP_NODE_POST:
		return inv ? NFHP_DIR_ORIG : NFHP_DIR_REPLY;
	case NFHP_NODE_ORIG:	/* no DNAT: after routing it looks the same */
		if (c->flags & NFHP_CONN_F_DNAT)
			return -1;
		return inv ? NFHP_DIR_REPLY : NFHP_DIR_ORIG;
	default:		/* REPLY, no SNAT: the same after un-SNAT */
		if (c->flags & NFHP_CONN_F_SNAT)
			return -1;
		return inv ? NFHP_DIR_ORIG : NFHP_DIR_REPLY;
	}
}

static spinlock_t *bucket_lock(struct nfhp_conn_table *ct, u32 h)
{
	return &ct->locks[h & (NFHP_CONN_LOCKS - 1)];
}

/*
 * A PORTMAP connection's ORIG node and its inverse, hashed for another
 * connection: allowed.  Before routing only the ORIG node is valid (an
 * inverted node never is), after routing only the other: a packet finds
 * one connection at each stage.
 */
static bool portmap_twin(const struct nfhp_conn *a, u8 akind,
			 const struct nfhp_conn *b, u8 bkind)
{
	return (akind == NFHP_NODE_ORIG && (a->flags & NFHP_CONN_F_PORTMAP)) ||
	       (bkind == NFHP_NODE_ORIG && (b->flags & NFHP_CONN_F_PORTMAP));
}

/*
 * The connection with a node hashed as @t, in either orientation (@inv),
 * and which node (@kind): the first one that @skip (if any) does not
 * pass over.  Every hashed tuple is unique but for PORTMAP twins
 * (portmap_twin()).  Readers hold rcu_read_lock(), writers the bucket's
 * lock.
 */
static struct nfhp_conn *chain_find_skip(struct nfhp_net *hn, u8 proto,
					 const struct nfhp_tuple *t, u8 *kind,
					 bool *inv,
					 bool (*skip)(const struct nfhp_conn *c,
						      u8 kind, bool inv,
						      const void *arg),
					 const void *arg)
{
	struct nfhp_conn_table *ct = hn->conns;
	struct hlist_node *n;
	u32 h = conn_hash(hn, proto, t);

	conn_for_each(n, &ct->buckets[h & ct->hmask],
		      lockdep_is_held(bucket_lock(ct, h))) {
		struct nfhp_tuple nt;
		struct nfhp_conn *c;

		c = node_tuple(n, &nt, kind);
		if (c->proto != proto)
			continue;
		*inv = tuple_inv_eq(&nt, t);
		if ((*inv || tuple_eq(&nt, t)) &&
		    !(skip && skip(c, *kind, *inv, arg)))
			return c;
	}
	return NULL;
}

static struct nfhp_conn *chain_find(struct nfhp_net *hn, u8 proto,
				    const struct nfhp_tuple *t, u8 *kind,
				    bool *inv)
{
	return chain_find_skip(hn, proto, t, kind, inv, NULL, NULL);
}

/* Insertion: pass over PORTMAP twins of the key's node (*arg). */
struct twin_key {
	const struct nfhp_conn	*c;
	u8			kind;
};

static bool skip_twin(const struct nfhp_conn *c, u8 kind, bool inv,
		      const void *arg)
{
	const struct twin_key *k = arg;

	return inv && portmap_twin(k->c, k->kind, c, kind);
}

/**
 * nfhp_conn_lookup - find the connection of a packet
 * @hn:		the namespace
 * @proto:	IP protocol
 * @t:		the packet's tuple
 * @stage:	before routing (PREROUTING, LOCAL_OUT) or after
 * @dir:	set to the direction the packet travels
 * @other:	set if @t belongs to a connection but not at this stage
 *
 * Under rcu_read_lock(); the result is valid until rcu_read_unlock().
 */
struct nfhp_conn *nfhp_conn_lookup(struct nfhp_net *hn, u8 proto,
				   const struct nfhp_tuple *t,
				   enum nfhp_stage stage, enum nfhp_dir *dir,
				   bool *other)
{
	struct nfhp_conn_table *ct = hn->conns;
	struct hlist_node *n;
	u32 h = conn_hash(hn, proto, t);

	*other = false;
	/* The first node valid at @stage is the only one (portmap_twin()). */
	conn_for_each_rcu(n, &ct->buckets[h & ct->hmask]) {
		struct nfhp_tuple nt;
		struct nfhp_conn *c;
		bool inv;
		u8 kind;
		int d;

		c = node_tuple(n, &nt, &kind);
		if (c->proto != proto)
			continue;
		inv = tuple_inv_eq(&nt, t);
		if (!inv && !tuple_eq(&nt, t))
			continue;
		d = node_dir(c, kind, inv, stage);
		if (d >= 0) {
			*dir = d;
			return c;
		}
		*other = true;
	}
	return NULL;
}

static bool skip_not_reply_inv(const struct nfhp_conn *c, u8 kind, bool inv,
			       const void *arg)
{
	return !inv || kind != NFHP_NODE_REPLY;
}

/*
 * Whether the replies to a packet of tuple @t are another connection's
 * (@t inverted is its REPLY tuple).  Under RCU.
 */
bool nfhp_conn_replies_taken(struct nfhp_net *hn, u8 proto,
			     const struct nfhp_tuple *t)
{
	bool inv;
	u8 kind;

	return chain_find_skip(hn, proto, t, &kind, &inv, skip_not_reply_inv,
			       NULL);
}

/* Whether @t is hashed already, in either orientation.  Under RCU. */
bool nfhp_conn_tuple_taken(struct nfhp_net *hn, u8 proto,
			   const struct nfhp_tuple *t)
{
	bool inv;
	u8 kind;

	return chain_find(hn, proto, t, &kind, &inv);
}

/* ---- locking ---- */

/* At most three nodes in the table and two in the mapping index. */
#define NFHP_CONN_HASHES	5

struct conn_locks {
	unsigned int	idx[NFHP_CONN_HASHES];
	unsigned int	n;
};

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/*
 * sparse cannot follow a variable number of locks: each stripe lock is
 * neutral to it, and the set counts as one lock on the table.
 */
static void stripe_lock(spinlock_t *lock, unsigned int subclass)
{
	spin_lock_nested(lock, subclass);
	__release(lock);
}

static void stripe_unlock(spinlock_t *lock)
{
	__acquire(lock);
	spin_unlock(lock);
}

/* Lock the stripes of @h[0..n-1], lowest first, each once.  BHs off. */
static void locks_take(struct nfhp_conn_table *ct, const u32 *h,
		       unsigned int n, struct conn_locks *l)
	__acquires(ct)
{
	unsigned int i, j;

	l->n = 0;
	for (i = 0; i < n; i++) {
		unsigned int s = h[i] & (NFHP_CONN_LOCKS - 1);

		for (j = 0; j < l->n; j++)
			if (l->idx[j] == s)
				break;
		if (j == l->n)
			l->idx[l->n++] = s;
	}
	sort(l->idx, l->n, sizeof(l->idx[0]), cmp_uint, NULL);
	local_bh_disable();
	for (i = 0; i < l->n; i++)
		stripe_lock(&ct->locks[l->idx[i]], i);
	__acquire(ct);
}

static void locks_release(struct nfhp_conn_table *ct, struct conn_locks *l)
	__releases(ct)
{
	unsigned int i;

	__release(ct);
	for (i = l->n; i-- > 0;)
		stripe_unlock(&ct->locks[l->idx[i]]);
	local_bh_enable();
}

/*
 * The hashes of @c's nodes: its table nodes in h[0..n-1] (ORIG, REPLY and
 * maybe POST), returning n, then for a mapping connection its index nodes
 * in h[n] (internal endpoint) and h[n + 1] (external): conn_nhashes() of
 * them in all, what the locks are taken for.
 */
static unsigned int conn_hashes(struct nfhp_net *hn,
				const struct nfhp_conn *c, u32 *h)
{
	const struct nfhp_tuple *o = &c->th[NFHP_DIR_ORIG].t;
	const struct nfhp_tuple *r = &c->th[NFHP_DIR_REPLY].t;
	struct nfhp_tuple pt;
	unsigned int n = 2;

	h[0] = conn_hash(hn, c->proto, o);
	h[1] = conn_hash(hn, c->proto, r);
	if (has_post(c)) {
		nfhp_conn_post(c, &pt);
		h[n++] = conn_hash(hn, c->proto, &pt);
	}
	if (nfhp_conn_is_map(c)) {
		h[n] = map_hash(hn, c->proto, o->src, o->sport, false);
		h[n + 1] = map_hash(hn, c->proto, r->dst, r->dport, true);
	}
	return n;
}

static unsigned int conn_nhashes(const struct nfhp_conn *c, unsigned int n)
{
	return nfhp_conn_is_map(c) ? n + 2 : n;
}

/* ---- connections ---- */

/*
 * Set (or clear, with NULL) the function told of every connection made or
 * destroyed.  It is called under rcu_read_lock(), in any context: after
 * clearing it, synchronize_rcu() waits for the calls still running.
 */
void nfhp_conn_set_notify(void (*fn)(struct nfhp_net *hn,
				     const struct nfhp_conn *c,
				     enum nfhp_conn_event ev))
{
	WRITE_ONCE(conn_notify, fn);
}

static void notify(struct nfhp_net *hn, const struct nfhp_conn *c,
		   enum nfhp_conn_event ev)
{
	void (*fn)(struct nfhp_net *hn, const struct nfhp_conn *c,
		   enum nfhp_conn_event ev) = READ_ONCE(conn_notify);

	if (fn)
		fn(hn, c, ev);
}

static struct kmem_cache *conn_cache(const struct nfhp_conn *c)
{
	return nfhp_conn_is_map(c) ? nfhp_mconn_cache : nfhp_conn_cache;
}

struct nfhp_conn *nfhp_conn_alloc(struct nfhp_net *hn, bool map)
{
	struct nfhp_conn_table *ct = hn->conns;
	struct mem_cgroup *old;
	struct nfhp_conn *c;

	if (atomic_inc_return(&ct->count) > READ_ONCE(hn->cfg.conn_max)) {
		atomic_dec(&ct->count);
		return ERR_PTR(-ENOSPC);
	}
	/*
	 * Charged to the namespace's memcg in any context.  GFP_ATOMIC but
	 * for __GFP_HIGH, which lets a memcg charge go past memory.max: a
	 * namespace's packets would then take what its cgroup may not have.
	 * (__GFP_ATOMIC keeps the page allocator's atomic reserve: plain
	 * GFP_NOWAIT failed one connection in five under KASAN.)
	 */
	old = set_active_memcg(ct->memcg);
	c = kmem_cache_zalloc(map ? nfhp_mconn_cache : nfhp_conn_cache,
			      (GFP_ATOMIC & ~__GFP_HIGH) | __GFP_NOWARN);
	set_active_memcg(old);
	if (!c) {
		atomic_dec(&ct->count);
		return ERR_PTR(-ENOMEM);
	}
	c->th[NFHP_DIR_ORIG].kind = NFHP_NODE_ORIG;
	c->th[NFHP_DIR_REPLY].kind = NFHP_NODE_REPLY;
	c->post_kind = NFHP_NODE_POST;
	if (map)
		c->th[NFHP_DIR_ORIG].xflags = NFHP_CONN_X_MAP;
	return c;
}

static void conn_put_rules(struct nfhp_conn *c)
{
	if (c->dnat)
		nfhp_rule_put(&c->dnat->core);
	if (c->snat)
		nfhp_rule_put(&c->snat->core);
}

/* A connection that never made it into the table. */
void nfhp_conn_free(struct nfhp_net *hn, struct nfhp_conn *c)
{
	conn_put_rules(c);
	atomic_dec(&hn->conns->count);
	kmem_cache_free(conn_cache(c), c);
}

static void conn_free_rcu(struct rcu_head *head)
{
	struct nfhp_conn *c = container_of(head, struct nfhp_conn, rcu);

	kmem_cache_free(conn_cache(c), c);
}

/* ---- the mapping index ---- */

/* Whether mapping connection @c is alive: an RCU reader may see it dead. */
static bool conn_alive(const struct nfhp_conn *c)
{
	return !hlist_unhashed_lockless(&c->th[NFHP_DIR_ORIG].hnode);
}

/*
 * The first live connection whose mapping is @eaddr:@eport (hash @h): all
 * are of one internal endpoint.  Under RCU or the lock of @h.
 */
static struct nfhp_conn *map_ext_first(struct nfhp_net *hn, u8 proto,
				       __be32 eaddr, __be16 eport, u32 h)
{
	struct nfhp_conn_table *ct = hn->conns;
	struct nfhp_mconn *m;

	hlist_for_each_entry_rcu(m, &ct->map_ext[h & ct->hmask], by_ext,
				 lockdep_is_held(bucket_lock(ct, h))) {
		const struct nfhp_tuple *mr = &m->c.th[NFHP_DIR_REPLY].t;

		if (m->c.proto == proto && mr->dst == eaddr &&
		    mr->dport == eport && conn_alive(&m->c))
			return &m->c;
	}
	return NULL;
}

/*
 * Whether another internal endpoint than @c's holds @c's external one
 * (hash @hext).  Under the locks of @c's index nodes.
 */
static bool map_ext_taken(struct nfhp_net *hn, const struct nfhp_conn *c,
			  u32 hext)
{
	const struct nfhp_tuple *o = &c->th[NFHP_DIR_ORIG].t;
	const struct nfhp_tuple *r = &c->th[NFHP_DIR_REPLY].t;
	const struct nfhp_conn *m;

	m = map_ext_first(hn, c->proto, r->dst, r->dport, hext);
	return m && (m->th[NFHP_DIR_ORIG].t.src != o->src ||
		     m->th[NFHP_DIR_ORIG].t.sport != o->sport);
}

/*
 * The first live connection of internal endpoint @iaddr:@iport on
 * external address @eaddr (hash @h).  Under RCU or the lock of @h.
 */
static struct nfhp_conn *map_int_first(struct nfhp_net *hn, u8 proto,
				       __be32 iaddr, __be16 iport,
				       __be32 eaddr, u32 h)
{
	struct nfhp_conn_table *ct = hn->conns;
	struct nfhp_mconn *m;

	hlist_for_each_entry_rcu(m, &ct->map_int[h & ct->hmask], by_int,
				 lockdep_is_held(bucket_lock(ct, h))) {
		const struct nfhp_tuple *mo = &m->c.th[NFHP_DIR_ORIG].t;
		const struct nfhp_tuple *mr = &m->c.th[NFHP_DIR_REPLY].t;

		if (m->c.proto == proto && mo->src == iaddr &&
		    mo->sport == iport && mr->dst == eaddr &&
		    conn_alive(&m->c))
			return &m->c;
	}
	return NULL;
}

__be16 nfhp_map_port(struct nfhp_net *hn, u8 proto, __be32 iaddr,
		     __be16 iport, __be32 eaddr)
{
	const struct nfhp_conn *m;

	m = map_int_first(hn, proto, iaddr, iport, eaddr,
			  map_hash(hn, proto, iaddr, iport, false));
	return m ? m->th[NFHP_DIR_REPLY].t.dport : 0;
}

const struct nfhp_conn *nfhp_map_owner(struct nfhp_net *hn, u8 proto,
				       __be32 eaddr, __be16 eport)
{
	return map_ext_first(hn, proto, eaddr, eport,
			     map_hash(hn, proto, eaddr, eport, true));
}

/* Under rcu_read_lock(): *@winner is valid until it is dropped. */
int nfhp_conn_insert(struct nfhp_net *hn, struct nfhp_conn *c,
		     struct nfhp_conn **winner)
{
	struct nfhp_conn_table *ct = hn->conns;
	struct nfhp_tuple keys[3];
	struct conn_locks l;
	unsigned int i, n;
	u32 h[NFHP_CONN_HASHES];
	int err = 0;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "insertion outside an RCU read-side section");
	n = conn_hashes(hn, c, h);
	keys[0] = c->th[NFHP_DIR_ORIG].t;
	keys[1] = c->th[NFHP_DIR_REPLY].t;
	if (n == 3)
		nfhp_conn_post(c, &keys[2]);
	/* The connection's own tuples must differ from each other, too. */
	for (i = 1; i < n; i++)
		if (tuple_eq(&keys[0], &keys[i]) ||
		    tuple_inv_eq(&keys[0], &keys[i]))
			return -EBUSY;
	if (n == 3 && (tuple_eq(&keys[1], &keys[2]) ||
		       tuple_inv_eq(&keys[1], &keys[2])))
		return -EBUSY;

	locks_take(ct, h, conn_nhashes(c, n), &l);
	for (i = 0; i < n; i++) {
		/* keys[] are the nodes ORIG, REPLY, POST, in that order */
		struct twin_key tk = { c, i };
		struct nfhp_conn *x;
		bool inv;
		u8 kind;

		x = chain_find_skip(hn, c->proto, &keys[i], &kind, &inv,
				    skip_twin, &tk);
		if (!x)
			continue;
		*winner = x;
		if (i == 0 && kind == NFHP_NODE_ORIG && !inv)
			err = -EEXIST;
		else if (i == 1)
			err = -EADDRINUSE;
		else
			err = -EBUSY;
		goto out;
	}
	/* One internal endpoint per external one, one external endpoint per
	 * internal one and address: RFC 4787 REQ-1, REQ-9
	 */
	if (nfhp_conn_is_map(c)) {
		struct nfhp_conn *x;

		if (map_ext_taken(hn, c, h[n + 1])) {
			err = -EADDRINUSE;
			goto out;
		}
		x = map_int_first(hn, c->proto, keys[0].src, keys[0].sport,
				  keys[1].dst, h[n]);
		if (x && x->th[NFHP_DIR_REPLY].t.dport != keys[1].dport &&
		    !(c->th[NFHP_DIR_ORIG].xflags & NFHP_CONN_X_ANYPORT)) {
			*winner = x;
			err = -EAGAIN;
			goto out;
		}
	}
	hlist_add_head_rcu(&c->th[0].hnode, &ct->buckets[h[0] & ct->hmask]);
	hlist_add_head_rcu(&c->th[1].hnode, &ct->buckets[h[1] & ct->hmask]);
	if (n == 3)
		hlist_add_head_rcu(&c->post, &ct->buckets[h[2] & ct->hmask]);
	if (nfhp_conn_is_map(c)) {
		hlist_add_head_rcu(&mconn(c)->by_int,
				   &ct->map_int[h[n] & ct->hmask]);
		hlist_add_head_rcu(&mconn(c)->by_ext,
				   &ct->map_ext[h[n + 1] & ct->hmask]);
	}
out:
	locks_release(ct, &l);
	if (err)
		return err;

	nfhp_stat_inc(hn, NFHP_STAT_CONN_CREATED);
	notify(hn, c, NFHP_CONN_EV_NEW);
	if (!delayed_work_pending(&ct->gc))
		queue_delayed_work(system_power_efficient_wq, &ct->gc,
				   NFHP_GC_INTERVAL);
	return 0;
}

/* Unhash and free @c unless it is dead already or, checked under its
 * locks, @may_go (if any) says no; whether it went.
 */
static bool conn_kill(struct nfhp_net *hn, struct nfhp_conn *c, bool event,
		      bool (*may_go)(const struct nfhp_conn *c))
{
	struct nfhp_conn_table *ct = hn->conns;
	struct conn_locks l;
	unsigned int n;
	u32 h[NFHP_CONN_HASHES];

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "removal outside an RCU read-side section");
	n = conn_hashes(hn, c, h);
	locks_take(ct, h, conn_nhashes(c, n), &l);
	if (hlist_unhashed(&c->th[0].hnode) || (may_go && !may_go(c))) {
		locks_release(ct, &l);
		return false;
	}
	hlist_del_init_rcu(&c->th[0].hnode);
	hlist_del_init_rcu(&c->th[1].hnode);
	if (n == 3)
		hlist_del_init_rcu(&c->post);
	if (nfhp_conn_is_map(c)) {
		hlist_del_init_rcu(&mconn(c)->by_int);
		hlist_del_init_rcu(&mconn(c)->by_ext);
	}
	locks_release(ct, &l);

	atomic_dec(&ct->count);
	nfhp_ct_forget(hn->net, c);
	if (event)
		notify(hn, c, NFHP_CONN_EV_DESTROY);
	/* Rules are freed through RCU too: readers that still hold @c may
	 * still count packets on them.
	 */
	conn_put_rules(c);
	call_rcu(&c->rcu, conn_free_rcu);
	return true;
}

/**
 * nfhp_conn_kill - unhash and free a connection
 * @hn:		its namespace
 * @c:		the connection, found under RCU; a dead one is left alone
 * @event:	tell the notifier (NFHP_CONN_EV_DESTROY)
 */
void nfhp_conn_kill(struct nfhp_net *hn, struct nfhp_conn *c, bool event)
{
	conn_kill(hn, c, event, NULL);
}

/*
 * Early eviction, bounded: at most NFHP_EVICT_NODES nodes in at most
 * NFHP_EVICT_BUCKETS_MAX buckets from the new tuple's per new connection.
 *
 * nf_conntrack's early_drop() looks at up to 8 buckets from the new
 * tuple's and drops the first unassured entry of the first bucket that has
 * one.  Chains grow at their head, so that is the newest candidate there:
 * often a legitimate connection a moment old, whose SYN/ACK is on its way,
 * while a flood's older entries stay.  Here every node is looked at (ORIG,
 * REPLY and POST: each connection is hashed two or three times, so twice
 * the candidates per bucket), all of NFHP_EVICT_BUCKETS buckets, and the
 * candidate closest to its deadline goes, i.e. the oldest of its kind, or
 * one that has expired and awaits the GC.  In a sparse table (conn_max
 * small, 1024 buckets at least) 8 buckets often hold nothing at all: the
 * scan goes on, up to NFHP_EVICT_BUCKETS_MAX, until it has a candidate.
 * And the victim is checked again under its buckets' locks, so one that
 * got its reply meanwhile stays.
 */
#define NFHP_EVICT_BUCKETS	8
#define NFHP_EVICT_BUCKETS_MAX	64
#define NFHP_EVICT_NODES	256

bool nfhp_conn_evict(struct nfhp_net *hn, u8 proto, const struct nfhp_tuple *t,
		     bool (*may_evict)(const struct nfhp_conn *c))
{
	struct nfhp_conn_table *ct = hn->conns;
	struct nfhp_conn *victim = NULL;
	unsigned int i, nodes = 0;
	u32 b = conn_hash(hn, proto, t);
	u32 now = (u32)jiffies;
	s32 left, oldest = 0;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "eviction outside an RCU read-side section");
	for (i = 0; i < NFHP_EVICT_BUCKETS_MAX; i++) {
		struct hlist_node *n;

		if (i >= NFHP_EVICT_BUCKETS && victim)
			break;
		conn_for_each_rcu(n, &ct->buckets[(b + i) & ct->hmask]) {
			struct nfhp_conn *c = nfhp_conn_of(n);

			if (++nodes > NFHP_EVICT_NODES)
				goto done;
			if (!may_evict(c))
				continue;
			left = (s32)(READ_ONCE(c->timeout) - now);
			if (!victim || left < oldest) {
				victim = c;
				oldest = left;
			}
		}
	}
done:
	if (!victim)
		return false;
	/* Under the locks, @may_evict once more: it may have got its reply. */
	if (!conn_kill(hn, victim, true, may_evict))
		return false;
	nfhp_stat_inc(hn, NFHP_STAT_EVICTED);
	return true;
}

static bool conn_expired(const struct nfhp_conn *c, const void *arg)
{
	return (s32)(READ_ONCE(c->timeout) - (u32)jiffies) <= 0;
}

/*
 * Kill what @match (NULL: every connection) says in bucket @b, counting
 * each in @stat (__NFHP_STAT_MAX: none); returns how many went.
 */
static unsigned int bucket_reap(struct nfhp_net *hn, unsigned int b,
				nfhp_conn_match_t *match, const void *arg,
				enum nfhp_stat stat, bool event)
{
	struct nfhp_conn_table *ct = hn->conns;
	struct hlist_node *n;
	unsigned int killed = 0;

	rcu_read_lock();
	local_bh_disable();
	conn_for_each_rcu(n, &ct->buckets[b]) {
		struct nfhp_conn *c;

		if (nfhp_node_kind(n) != NFHP_NODE_ORIG)
			continue;
		c = nfhp_conn_of(n);
		if (match && !match(c, arg))
			continue;
		if (!conn_kill(hn, c, event, NULL))
			continue;
		if (stat != __NFHP_STAT_MAX)
			nfhp_stat_inc(hn, stat);
		killed++;
	}
	local_bh_enable();
	rcu_read_unlock();
	return killed;
}

static unsigned long gc_interval(const struct nfhp_net *hn)
{
	const struct nfhp_cfg *cfg = &hn->cfg;
	unsigned long t = NFHP_GC_PASS_MAX * 4;

	t = min(t, READ_ONCE(cfg->udp_unreplied));
	t = min(t, READ_ONCE(cfg->tcp_syn));
	t = min(t, READ_ONCE(cfg->tcp_time_wait));
	t = min(t, READ_ONCE(cfg->tcp_transitory));
	t = min(t, READ_ONCE(cfg->icmp));
	t = min(t, READ_ONCE(cfg->udp));
	t = min(t, READ_ONCE(cfg->tcp_established));
	return clamp_t(unsigned long, t / 4, HZ, NFHP_GC_PASS_MAX) /
	       NFHP_GC_SLICES;
}

static void conn_gc(struct work_struct *work)
{
	struct nfhp_conn_table *ct = container_of(to_delayed_work(work),
						  struct nfhp_conn_table, gc);
	unsigned int size = ct->hmask + 1;
	unsigned int budget = max_t(unsigned int, size / NFHP_GC_SLICES, 64);
	unsigned int b = ct->gc_next, i;

	for (i = 0; i < budget && b < size; i++, b++) {
		bucket_reap(ct->hn, b, conn_expired, NULL, NFHP_STAT_CONN_EXPIRED,
			    true);
		if ((i & 63) == 63)
			cond_resched();
	}
	ct->gc_next = b < size ? b : 0;
	if (atomic_read(&ct->count) > 0)
		queue_delayed_work(system_power_efficient_wq, &ct->gc,
				   gc_interval(ct->hn));
}

/*
 * The buckets as the control plane sees them, which may run before the
 * first rule's hooks (and table) are in place: paired with the release in
 * nfhp_conn_table_alloc().  The packet path needs no such care: the hooks
 * are registered after the table is complete.
 */
static struct hlist_head *table_buckets(const struct nfhp_conn_table *ct)
{
	/* pairs with smp_store_release() in nfhp_conn_table_alloc() */
	return smp_load_acquire(&ct->buckets);
}

void nfhp_conn_flush(struct nfhp_net *hn)
{
	if (!table_buckets(hn->conns))
		return;
	nfhp_conn_kill_matching(hn, NULL, NULL, __NFHP_STAT_MAX);
	atomic_inc(&hn->conns->gen);
}

/**
 * nfhp_conn_kill_matching - kill every connection @match says, bucket by
 * bucket (BHs off for one bucket at a time), in process context
 * @hn:		the namespace; its table stays (a reference on the namespace,
 *		or hn->lock)
 * @match:	called under RCU, BHs off; NULL: every connection
 * @arg:	for @match
 * @stat:	counted for each connection killed; __NFHP_STAT_MAX: none
 *
 * Connections made during the walk may be missed.  Returns how many went.
 */
unsigned int nfhp_conn_kill_matching(struct nfhp_net *hn,
				     nfhp_conn_match_t *match, const void *arg,
				     enum nfhp_stat stat)
{
	struct nfhp_conn_table *ct = hn->conns;
	unsigned int b, killed = 0;

	might_sleep();
	if (!table_buckets(ct))
		return 0;
	for (b = 0; b <= ct->hmask; b++) {
		killed += bucket_reap(hn, b, match, arg, stat, true);
		cond_resched();
	}
	return killed;
}

u32 nfhp_conn_count(struct nfhp_net *hn)
{
	return atomic_read(&hn->conns->count);
}

/* Changes when the table is flushed: a dump that spans it is inconsistent. */
u32 nfhp_conn_gen(struct nfhp_net *hn)
{
	return atomic_read(&hn->conns->gen);
}

/* ---- walking ---- */

static void cursor_mark(struct nfhp_conn_cursor *cur, const struct nfhp_conn *c)
{
	cur->mark = c->th[NFHP_DIR_ORIG].t;
	cur->mark_proto = c->proto;
	cur->seek = true;
}

static bool cursor_is(const struct nfhp_conn_cursor *cur,
		      const struct nfhp_conn *c)
{
	return c->proto == cur->mark_proto &&
	       tuple_eq(&c->th[NFHP_DIR_ORIG].t, &cur->mark);
}

/* Whether the last connection visited is still in chain @head.  Under RCU. */
static bool cursor_in(const struct nfhp_conn_cursor *cur,
		      struct hlist_head *head)
{
	struct hlist_node *n;

	conn_for_each_rcu(n, head)
		if (nfhp_node_kind(n) == NFHP_NODE_ORIG &&
		    cursor_is(cur, nfhp_conn_of(n)))
			return true;
	return false;
}

/**
 * nfhp_conn_walk - call @fn for each connection from where @cur says
 * @hn:		the namespace
 * @cur:	where to go on; updated
 * @fn:		called under rcu_read_lock(); non-zero stops the walk
 * @arg:	for @fn
 *
 * Resuming: a chain only ever grows at its head and keeps its order
 * otherwise, so the connections still to visit are those after the last
 * one visited (@cur->mark), whatever came or went before it.  If that one
 * has gone since, the walk skips as many connections of its bucket as had
 * been passed (@cur->skip) instead.  A connection that stays for the whole
 * walk is visited exactly once, unless the one visited last before it went
 * away in between; connections that come and go during a walk may be
 * missed, as with nf_conntrack.
 *
 * Returns 0 when the whole table has been walked, else what @fn returned:
 * the next walk with @cur starts again with the connection it refused.
 */
int nfhp_conn_walk(struct nfhp_net *hn, struct nfhp_conn_cursor *cur,
		   int (*fn)(const struct nfhp_conn *c, void *arg), void *arg)
{
	struct nfhp_conn_table *ct = hn->conns;
	const struct nfhp_conn *last = NULL;
	bool seek = cur->seek, mark_in, passed;
	u32 b = cur->bucket, skip = cur->skip, idx = 0;
	int err;

	if (!table_buckets(ct))
		return 0;
	rcu_read_lock();
	for (; b <= ct->hmask; b++, skip = 0, seek = false) {
		struct hlist_node *n;

		/* Resuming: skip up to the mark, or @skip if it has gone. */
		mark_in = seek && cursor_in(cur, &ct->buckets[b]);
		passed = !mark_in;
		idx = 0;
		last = NULL;
		conn_for_each_rcu(n, &ct->buckets[b]) {
			const struct nfhp_conn *c;

			if (nfhp_node_kind(n) != NFHP_NODE_ORIG)
				continue;
			c = nfhp_conn_of(n);
			idx++;
			if (!passed) {
				passed = cursor_is(cur, c);
				continue;
			}
			if (seek && !mark_in && idx <= skip)
				continue;
			err = fn(c, arg);
			if (err)
				goto stop;
			last = c;
		}
	}
	rcu_read_unlock();
	cur->bucket = b;
	cur->skip = 0;
	cur->seek = false;
	return 0;
stop:
	cur->bucket = b;
	cur->skip = idx - 1;
	if (last)
		cursor_mark(cur, last);
	else
		cur->seek = seek;	/* nothing visited: the same resume point */
	rcu_read_unlock();
	return err;
}

/* ---- setup ---- */

/*
 * Called under hn->lock before the hooks are registered, by the request
 * that adds the namespace's first rule.  A namespace of a user namespace
 * other than the initial one (one any user can make) has its connections
 * charged to the memcg of whoever adds that rule, its admin, as its rules
 * and this table are (__GFP_ACCOUNT); the host's own namespaces charge
 * nobody for connections made in softirq.
 */
int nfhp_conn_table_alloc(struct nfhp_net *hn)
{
	struct nfhp_conn_table *ct = hn->conns;
	struct hlist_head *buckets;
	unsigned int size, i;

	lockdep_assert_held(&hn->lock);
	if (ct->buckets)
		return 0;
	size = clamp_t(u32, READ_ONCE(hn->cfg.conn_max) / 4, 1024, 1 << 18);
	size = roundup_pow_of_two(size);
	ct->locks = kvmalloc_array(NFHP_CONN_LOCKS, sizeof(*ct->locks),
				   GFP_KERNEL_ACCOUNT);
	if (!ct->locks)
		return -ENOMEM;
	for (i = 0; i < NFHP_CONN_LOCKS; i++)
		spin_lock_init(&ct->locks[i]);
	buckets = kvcalloc(size, sizeof(*buckets), GFP_KERNEL_ACCOUNT);
	ct->map_int = kvcalloc(size, sizeof(*ct->map_int), GFP_KERNEL_ACCOUNT);
	ct->map_ext = kvcalloc(size, sizeof(*ct->map_ext), GFP_KERNEL_ACCOUNT);
	if (!buckets || !ct->map_int || !ct->map_ext) {
		kvfree(buckets);
		kvfree(ct->map_int);
		kvfree(ct->map_ext);
		ct->map_int = NULL;
		ct->map_ext = NULL;
		kvfree(ct->locks);
		ct->locks = NULL;
		return -ENOMEM;
	}
	if (hn->net->user_ns != &init_user_ns)
		ct->memcg = get_mem_cgroup_from_mm(current->mm);
	ct->hmask = size - 1;
	smp_store_release(&ct->buckets, buckets);	/* see table_buckets() */
	return 0;
}

int nfhp_conn_net_init(struct nfhp_net *hn)
{
	struct nfhp_conn_table *ct = kzalloc(sizeof(*ct), GFP_KERNEL_ACCOUNT);

	if (!ct)
		return -ENOMEM;
	ct->hn = hn;
	atomic_set(&ct->count, 0);
	atomic_set(&ct->gen, 0);
	INIT_DELAYED_WORK(&ct->gc, conn_gc);
	hn->conns = ct;
	return 0;
}

/*
 * After the hooks are gone and synchronize_net(): no packet reaches the
 * table, and nothing re-arms the GC once it is empty.
 */
void nfhp_conn_net_exit(struct nfhp_net *hn)
{
	struct nfhp_conn_table *ct = hn->conns;
	unsigned int b;

	cancel_delayed_work_sync(&ct->gc);
	if (ct->buckets) {
		for (b = 0; b <= ct->hmask; b++) {
			bucket_reap(hn, b, NULL, NULL, __NFHP_STAT_MAX, false);
			cond_resched();
		}
		cancel_delayed_work_sync(&ct->gc);
		WARN_ON_ONCE(atomic_read(&ct->count));
		kvfree(ct->buckets);
		kvfree(ct->map_int);
		kvfree(ct->map_ext);
		kvfree(ct->locks);
	}
	mem_cgroup_put(ct->memcg);
	kfree(ct);
	hn->conns = NULL;
}

int nfhp_conn_init(void)
{
	get_random_bytes(&nfhp_conn_key, sizeof(nfhp_conn_key));
	nfhp_conn_cache = kmem_cache_create("nfhp_conn", sizeof(struct nfhp_conn),
					    0, SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT,
					    NULL);
	if (!nfhp_conn_cache)
		return -ENOMEM;
	/* 160 bytes: not cache-line aligned, that would make it 192 */
	nfhp_mconn_cache = kmem_cache_create("nfhp_mconn",
					     sizeof(struct nfhp_mconn), 0,
					     SLAB_ACCOUNT, NULL);
	if (!nfhp_mconn_cache) {
		kmem_cache_destroy(nfhp_conn_cache);
		return -ENOMEM;
	}
	return 0;
}

void nfhp_conn_exit(void)
{
	/* Connections of dead namespaces are freed through call_rcu(). */
	rcu_barrier();
	kmem_cache_destroy(nfhp_mconn_cache);
	kmem_cache_destroy(nfhp_conn_cache);
}
