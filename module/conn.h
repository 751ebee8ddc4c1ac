/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin connection table (conn.c): every translated connection, both
 * directions hashed in one per-namespace table, read without locks.
 */
#ifndef _NFHP_CONN_H
#define _NFHP_CONN_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "nf_hairpin.h"

struct nfhp_net;
struct nfhp_dnat_rule;
struct nfhp_snat_rule;

/*
 * One direction of a connection as packets carry it on the wire.  For an
 * ICMP echo the identifier sits in sport (requests) or dport (replies).
 */
struct nfhp_tuple {
	__be32	src;
	__be32	dst;
	__be16	sport;
	__be16	dport;
};

/*
 * Which of a connection's hash nodes a chain entry is.  Every node is
 * hashed symmetrically (the two endpoints in either order land in the same
 * bucket), so one bucket walk finds a tuple and its inverse.
 *
 * ORIG:  the client's packets as they reach the router (client -> public).
 * REPLY: the server's packets as they reach the router (server -> client or
 *        the SNAT address).
 * POST:  the reply after un-SNAT, i.e. what POSTROUTING sees of the reply
 *        (server -> client), and inverted, of the original direction after
 *        DNAT.  Hashed only when the connection has both DNAT and SNAT:
 *        otherwise it equals REPLY (no SNAT) or the inverse of ORIG (no
 *        DNAT).
 */
enum nfhp_node_kind {
	NFHP_NODE_ORIG,
	NFHP_NODE_REPLY,
	NFHP_NODE_POST,
};

/* A hash node that carries its own tuple: ORIG and REPLY. */
struct nfhp_thash {
	struct hlist_node	hnode;
	u8			kind;	/* must follow hnode: nfhp_node_kind() */
	u8			xflags;	/* th[ORIG] only: NFHP_CONN_X_* */
	struct nfhp_tuple	t;
};

/*
 * The connection holds a mapping (RFC 4787): it was made by an SNAT rule
 * for an internal endpoint (ORIG src/sport) that goes out as an external
 * one (REPLY dst/dport), or hairpinned into another endpoint's mapping.
 * It is a struct nfhp_mconn and, while in the table, in the mapping index
 * by either endpoint (conn.c).  Set at allocation, never changed.
 */
#define NFHP_CONN_X_MAP		BIT(0)
/*
 * A mapping connection whose endpoint's mapping port is taken for its
 * tuple (a REPLY tuple clash): it may go out from another port.  Set
 * before insertion only.
 */
#define NFHP_CONN_X_ANYPORT	BIT(1)

/* Internal flags, above the uapi NFHP_CONN_F_* bits. */
/* TCP taken up mid-stream, the reply's sequence end not learnt (state.c) */
#define NFHP_CONN_F_PICKUP	BIT(4)
#define NFHP_CONN_F_DNAT	BIT(5)	/* ORIG dst/dport != REPLY src */
#define NFHP_CONN_F_SNAT	BIT(6)	/* ORIG src/sport != REPLY dst */
/*
 * Source port remapped because the connection's replies would have been
 * another connection's (hooks.c, clash_new()): only the port changes, the
 * ORIG direction before routing, replies after it.  Its ORIG node is valid
 * before routing only and may be the inverse of another connection's node.
 */
#define NFHP_CONN_F_PORTMAP	BIT(7)
#define NFHP_CONN_F_UAPI	0x0fU

/**
 * struct nfhp_conn - one translated connection (128 bytes on 64 bit)
 * @th:		ORIG and REPLY tuples and their hash nodes
 * @post:	the POST hash node (tuple derived: REPLY src/sport -> ORIG
 *		src/sport); hashed only with NFHP_CONN_F_DNAT and _SNAT
 * @post_kind:	NFHP_NODE_POST, at the same offset after its node as
 *		nfhp_thash.kind
 * @proto:	IPPROTO_TCP, _UDP, _ICMP (a query) or another protocol,
 *		translated by address (ports 0)
 * @state:	enum nfhp_conn_state, changed with cmpxchg()
 * @flags:	NFHP_CONN_F_*: immutable after insertion but for
 *		NFHP_CONN_F_REPLIED, which only ever gets set, and
 *		NFHP_CONN_F_PICKUP, which only ever gets cleared (both with
 *		cmpxchg(), state.c)
 * @timeout:	expiry, in jiffies (32 bit, as nf_conntrack)
 * @seq_end:	TCP, per direction: the highest sequence end seen
 *		(seq + len + SYN + FIN) of an in-window segment (state.c);
 *		REPLY's is known from the SYN/ACK on
 * @dnat:	the DNAT rule that made it, referenced, or NULL
 * @snat:	the SNAT rule that made it, referenced, or NULL
 * @rcu:	freed through RCU after it has been unhashed
 *
 * Lifetime: readers find a connection under rcu_read_lock() and use it
 * until they drop it; it is unhashed under its buckets' locks (once: a
 * connection whose ORIG node is unhashed is dead) and freed after a grace
 * period.  Nothing but the table references a connection, so there is no
 * reference count and lookups take none.
 */
struct nfhp_conn {
	struct nfhp_thash	th[2];
	struct hlist_node	post;
	u8			post_kind;
	u8			proto;
	u8			state;
	u8			flags;
	u32			timeout;
	u32			seq_end[2];
	const struct nfhp_dnat_rule *dnat;
	const struct nfhp_snat_rule *snat;
	struct rcu_head		rcu;
};

/* Lookup result: the connection and the direction the packet travels. */
enum nfhp_dir {
	NFHP_DIR_ORIG,
	NFHP_DIR_REPLY,
};

/* Which nodes a hook accepts: PREROUTING/LOCAL_OUT or POSTROUTING/LOCAL_IN. */
enum nfhp_stage {
	NFHP_STAGE_IN,	/* before routing: ORIG and REPLY as received */
	NFHP_STAGE_OUT,	/* after routing: after DNAT / after un-SNAT */
};

struct nfhp_conn *nfhp_conn_lookup(struct nfhp_net *hn, u8 proto,
				   const struct nfhp_tuple *t,
				   enum nfhp_stage stage, enum nfhp_dir *dir,
				   bool *other);
bool nfhp_conn_tuple_taken(struct nfhp_net *hn, u8 proto,
			   const struct nfhp_tuple *t);
bool nfhp_conn_replies_taken(struct nfhp_net *hn, u8 proto,
			     const struct nfhp_tuple *t);

/*
 * Module load and unload (the slab cache); a namespace's table: set up,
 * its buckets allocated before the hooks are registered (under hn->lock),
 * and torn down once no packet can reach it.
 */
int nfhp_conn_init(void);
void nfhp_conn_exit(void);
int nfhp_conn_net_init(struct nfhp_net *hn);
int nfhp_conn_table_alloc(struct nfhp_net *hn);
void nfhp_conn_net_exit(struct nfhp_net *hn);

/* @map: a connection that will hold a mapping (NFHP_CONN_X_MAP) */
struct nfhp_conn *nfhp_conn_alloc(struct nfhp_net *hn, bool map);
void nfhp_conn_free(struct nfhp_net *hn, struct nfhp_conn *c);
/*
 * Insert @c (tuples, proto, flags, rules set).  0: inserted, the table owns
 * it.  -EEXIST: another CPU inserted the same connection first, *@winner
 * is it (valid under RCU) and @c is still the caller's.  -EADDRINUSE: the
 * REPLY tuple is taken (try another port).  -EBUSY: another tuple clashes.
 * -EAGAIN: a mapping connection whose endpoint already has another port on
 * its external address (two first connections raced): *@winner holds it,
 * insert again with that port.
 */
int nfhp_conn_insert(struct nfhp_net *hn, struct nfhp_conn *c,
		     struct nfhp_conn **winner);
void nfhp_conn_kill(struct nfhp_net *hn, struct nfhp_conn *c, bool event);
/*
 * Make room in a full table for a connection of tuple @t: kill the oldest
 * connection that @may_evict allows near @t's bucket.  Under RCU, BHs off
 * or not.  Whether one went.
 */
bool nfhp_conn_evict(struct nfhp_net *hn, u8 proto, const struct nfhp_tuple *t,
		     bool (*may_evict)(const struct nfhp_conn *c));
/* Kill every connection; how many there are; the flush generation. */
void nfhp_conn_flush(struct nfhp_net *hn);
typedef bool nfhp_conn_match_t(const struct nfhp_conn *c, const void *arg);
unsigned int nfhp_conn_kill_matching(struct nfhp_net *hn,
				     nfhp_conn_match_t *match, const void *arg,
				     enum nfhp_stat stat);
u32 nfhp_conn_count(struct nfhp_net *hn);

/*
 * The mapping index, under RCU (RFC 4787 REQ-1, REQ-9; RFC 5382 REQ-1).
 * map_port: the external port that internal endpoint @iaddr:@iport has on
 * external address @eaddr, or 0 if it has none.  map_owner: a connection
 * of the internal endpoint whose mapping is @eaddr:@eport, or NULL.  Every
 * external endpoint belongs to one internal endpoint at most: insertion
 * refuses another (-EADDRINUSE), as it refuses a taken REPLY tuple.
 */
__be16 nfhp_map_port(struct nfhp_net *hn, u8 proto, __be32 iaddr,
		     __be16 iport, __be32 eaddr);
const struct nfhp_conn *nfhp_map_owner(struct nfhp_net *hn, u8 proto,
				       __be32 eaddr, __be16 eport);
u32 nfhp_conn_gen(struct nfhp_net *hn);

/*
 * Where a walk goes on (nfhp_conn_walk()); all zero: at the start.  A dump
 * keeps it in netlink_callback.ctx between its messages.
 */
struct nfhp_conn_cursor {
	u32			bucket;		/* the bucket to go on with */
	u32			skip;		/* how many of it were passed */
	struct nfhp_tuple	mark;		/* ORIG of the last one visited */
	u8			mark_proto;
	bool			seek;		/* resume after @mark (or @skip) */
};

int nfhp_conn_walk(struct nfhp_net *hn, struct nfhp_conn_cursor *cur,
		   int (*fn)(const struct nfhp_conn *c, void *arg), void *arg);

enum nfhp_conn_event {
	NFHP_CONN_EV_NEW,
	NFHP_CONN_EV_DESTROY,
};

void nfhp_conn_set_notify(void (*fn)(struct nfhp_net *hn,
				     const struct nfhp_conn *c,
				     enum nfhp_conn_event ev));

/*
 * Which node of its connection @n is: every node is followed by its kind
 * (nfhp_thash.kind, nfhp_conn.post_kind; conn.c asserts the layout).
 */
static inline enum nfhp_node_kind nfhp_node_kind(const struct hlist_node *n)
{
	return *(const u8 *)(n + 1);
}

static inline struct nfhp_conn *nfhp_conn_of(struct hlist_node *n)
{
	switch (nfhp_node_kind(n)) {
	case NFHP_NODE_ORIG:
		return container_of(n, struct nfhp_conn, th[0].hnode);
	case NFHP_NODE_REPLY:
		return container_of(n, struct nfhp_conn, th[1].hnode);
	default:
		return container_of(n, struct nfhp_conn, post);
	}
}

static inline bool nfhp_conn_is_map(const struct nfhp_conn *c)
{
	return c->th[NFHP_DIR_ORIG].xflags & NFHP_CONN_X_MAP;
}

/* The POST tuple: the reply after un-SNAT. */
static inline void nfhp_conn_post(const struct nfhp_conn *c,
				  struct nfhp_tuple *t)
{
	t->src = c->th[NFHP_DIR_REPLY].t.src;
	t->sport = c->th[NFHP_DIR_REPLY].t.sport;
	t->dst = c->th[NFHP_DIR_ORIG].t.src;
	t->dport = c->th[NFHP_DIR_ORIG].t.sport;
}

#endif /* _NFHP_CONN_H */
