/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin: port forwards with working NAT loopback.  Shared definitions:
 * the per-namespace state every part of the module hangs its data off.
 *
 * Each .c has its own .h; a file calls only the ones below it:
 *
 *   main.c     module and per-namespace init and exit, in order (its
 *              header is this one, which every file includes)
 *   netlink.c  the generic netlink family: every message built or parsed;
 *              takes hn->lock, registers the hooks with the first rule
 *   addr.c     address and device notifiers: masqueraded connections
 *              end when their address or interface goes
 *   hooks.c    the netfilter hooks: the packet path
 *   state.c    connection state and timeouts
 *   xlate.c    header parsing and rewriting, checksums
 *   conn.c     the connection table: lookup, insert, GC, walk, events
 *   rules.c    the DNAT and SNAT rule sets: lookup, prepare, publish
 *   ct.c       nf_conntrack's entry of a connection kept in step with ours
 */
#ifndef _NF_HAIRPIN_H
#define _NF_HAIRPIN_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/percpu.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#define NFHP_VERSION_STR	NFHP_VERSION

struct nfhp_conn_table;

/**
 * struct nfhp_cfg - settings, changed under nfhp_net.lock, read locklessly
 * (READ_ONCE) by the packet path.  Timeouts in jiffies.
 */
struct nfhp_cfg {
	unsigned long	tcp_established;
	unsigned long	tcp_transitory;
	unsigned long	tcp_time_wait;
	unsigned long	udp;
	unsigned long	icmp;
	unsigned long	udp_unreplied;	/* UDP until its first reply */
	unsigned long	tcp_syn;	/* TCP until established */
	u32		conn_max;
	u32		rules_max;
	u32		filtering;	/* enum nfhp_filtering */
};

/* Namespace counters, per CPU; summed for NFHP_CMD_STATS_GET. */
enum nfhp_stat {
	NFHP_STAT_XLATE_ORIG,
	NFHP_STAT_XLATE_REPLY,
	NFHP_STAT_XLATE_ICMP,
	NFHP_STAT_CONN_CREATED,
	NFHP_STAT_CONN_EXPIRED,
	NFHP_STAT_LOOKUP_MISS,
	NFHP_STAT_DROP_TABLE_FULL,
	NFHP_STAT_DROP_NO_PORT,
	NFHP_STAT_MALFORMED,		/* passed to the stack untouched */
	NFHP_STAT_CLASH,
	NFHP_STAT_TCP_OUT_OF_WINDOW,	/* RST/FIN/SYN-ACK not moving state */
	NFHP_STAT_EVICTED,		/* unreplied, made room in a full table */
	NFHP_STAT_DROP_NOMEM,		/* no memory (or memcg) for a new one */
	NFHP_STAT_CT_DROP,		/* conntrack confirmed it untranslated */
	NFHP_STAT_DROP_PROTO,		/* untranslatable protocol, SNAT rule */
	NFHP_STAT_TCP_PICKUP,		/* TCP taken up mid-stream */
	NFHP_STAT_ADDR_GONE,		/* its SNAT address or interface went */
	NFHP_STAT_CLASH_REMAP,		/* another source port: replies clashed */
	NFHP_STAT_DROP_ICMP_CSUM,	/* ICMP error of ours, bad checksum */
	NFHP_STAT_MAP_HAIRPIN,		/* hairpinned into a mapping */
	NFHP_STAT_MAP_IN,		/* endpoint-independent filtering let in */
	NFHP_STAT_MAP_FILTERED,		/* unsolicited SYN to a mapping dropped */
	__NFHP_STAT_MAX
};

struct nfhp_stats {
	u64_stats_t		cnt[__NFHP_STAT_MAX];
	struct u64_stats_sync	syncp;
};

/**
 * struct nfhp_net - what one network namespace owns
 * @net:	the namespace
 * @lock:	serialises writers (rule and setting changes, hook
 *		registration); the packet path never takes it
 */
struct nfhp_net {
	struct net		*net;
	struct mutex		lock;
	struct nfhp_cfg		cfg;
	struct nfhp_stats __percpu *stats;
	/* rules.c: the published rule set */
	struct nfhp_rules __rcu	*rules;
	/* conn.c: the connection table */
	struct nfhp_conn_table	*conns;
	/* hooks.c: netfilter hooks and IPv4 defrag registered; under @lock */
	bool			hooks_on;
	/* addr.c: address-change work items waiting */
	atomic_t		addr_works;
};

/*
 * Counters (these and the rules' in rules.h) are bumped in every context
 * the hooks run in: softirq, and process context with preemption enabled
 * (LOCAL_OUT, POSTROUTING of local sockets).  get_cpu_ptr() keeps the
 * writer on the CPU whose counters it writes.  On 32-bit the _irqsave
 * section also keeps a softirq on that CPU out of the seqcount write
 * section it would nest in (a torn 64-bit add, readers not told to
 * retry); on 64-bit it is empty: a u64_stats_t is a local64_t, bumped in
 * one instruction.
 */
static inline void nfhp_stat_inc(struct nfhp_net *hn, enum nfhp_stat s)
{
	struct nfhp_stats *st = get_cpu_ptr(hn->stats);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&st->syncp);
	u64_stats_inc(&st->cnt[s]);
	u64_stats_update_end_irqrestore(&st->syncp, flags);
	put_cpu_ptr(hn->stats);
}

extern unsigned int nfhp_net_id;

static inline struct nfhp_net *nfhp_pernet(const struct net *net)
{
	return net_generic(net, nfhp_net_id);
}

#endif /* _NF_HAIRPIN_H */
