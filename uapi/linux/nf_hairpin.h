/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * nf_hairpin: port forwarding (DNAT) with working NAT loopback (hairpin NAT).
 *
 * Generic netlink family NFHP_GENL_NAME, version NFHP_GENL_VERSION.  Every
 * network namespace has its own rules, connections, counters and settings;
 * every command acts on the namespace of the socket that sends it and needs
 * CAP_NET_ADMIN in the user namespace owning it.  Rejections carry an extack
 * message naming the attribute at fault; a rejected request changes nothing.
 *
 * Permissions: every command, the read-only ones included, and joining
 * NFHP_MCGRP_EVENTS need CAP_NET_ADMIN in the user namespace owning the
 * network namespace (the connection table and the events tell who talks to
 * whom).  A new namespace starts with the initial namespace's settings
 * (NFHP_CMD_CONFIG_*), and they are its ceiling: setting a limit or a
 * timeout above the initial namespace's value needs CAP_NET_ADMIN in the
 * initial user namespace (-EPERM otherwise), lowering one does not.  What a
 * namespace's rules and connections allocate is charged to the memory
 * cgroup of the process that created the namespace.
 *
 * Byte order: addresses (__be32) and ports (__be16) in network byte order,
 * everything else in host order.  u64 values are padded with the family's
 * *_A_PAD attribute.
 *
 * Commands and attribute trees
 * ----------------------------
 *
 * NFHP_CMD_DNAT_ADD: add a port forward.  Answers with the new rule (the
 * same tree, NFHP_DNAT_A_ID filled in).
 *
 *    NFHP_A_DNAT: NLA_NESTED
 *        NFHP_DNAT_A_IIF: NLA_NUL_STRING, optional: input interface name
 *        NFHP_DNAT_A_SRC: __be32, optional: client source prefix ...
 *        NFHP_DNAT_A_SRC_PLEN: u8 0..32 ... of this length (default 0)
 *        NFHP_DNAT_A_DST: __be32: the forwarded address; absent if and only
 *                         if NFHP_DNAT_F_LOCAL is set
 *        NFHP_DNAT_A_PROTO: u8: IPPROTO_TCP or IPPROTO_UDP
 *        NFHP_DNAT_A_DPORT_MIN: __be16 1..65535
 *        NFHP_DNAT_A_DPORT_MAX: __be16, optional, >= DPORT_MIN (default MIN)
 *        NFHP_DNAT_A_TO: __be32: the server's address
 *        NFHP_DNAT_A_TO_PORT_MIN: __be16, optional: the server's port; absent
 *                         keeps the destination port
 *        NFHP_DNAT_A_TO_PORT_MAX: __be16, optional: with a destination port
 *                         range, a target range of the same size maps port
 *                         for port (MIN+k -> TO_MIN+k); a single target port
 *                         takes the whole range; other sizes are rejected
 *        NFHP_DNAT_A_FLAGS: u32, optional: NFHP_DNAT_F_*
 *
 *    Rejected with -EEXIST when a rule with the same match (IIF, SRC,
 *    SRC_PLEN, DST or LOCAL, PROTO, overlapping ports) exists.
 *
 * NFHP_CMD_DNAT_DEL: delete one port forward, named either by
 *    NFHP_DNAT_A_ID alone or by the same match attributes as for ADD (the
 *    target and the flags other than NFHP_DNAT_F_LOCAL are then ignored).
 *    -ENOENT if there is none.
 *
 * NFHP_CMD_DNAT_GET (dump, NLM_F_DUMP): one message per rule, in id order:
 *
 *    NFHP_A_DNAT: NLA_NESTED, as for ADD plus
 *        NFHP_DNAT_A_ID: u32
 *        NFHP_DNAT_A_STATS: NLA_NESTED: NFHP_RSTATS_A_* (u64)
 *
 * NFHP_CMD_SNAT_ADD, NFHP_CMD_SNAT_DEL, NFHP_CMD_SNAT_GET: the same for
 * source NAT rules, applied in id order to new connections leaving through
 * POSTROUTING; the first that matches wins.
 *
 *    NFHP_A_SNAT: NLA_NESTED
 *        NFHP_SNAT_A_OIF: NLA_NUL_STRING, optional: output interface name
 *        NFHP_SNAT_A_SRC, NFHP_SNAT_A_SRC_PLEN: optional source prefix
 *        NFHP_SNAT_A_DST, NFHP_SNAT_A_DST_PLEN: optional destination prefix
 *        NFHP_SNAT_A_PROTO: u8, optional: IPPROTO_TCP or IPPROTO_UDP
 *        NFHP_SNAT_A_DPORT_MIN, NFHP_SNAT_A_DPORT_MAX: __be16, optional,
 *                         only with PROTO
 *        NFHP_SNAT_A_TO: __be32: the new source address; absent if and only
 *                         if NFHP_SNAT_F_MASQUERADE is set
 *        NFHP_SNAT_A_FLAGS: u32, optional: NFHP_SNAT_F_*
 *        NFHP_SNAT_A_ID, NFHP_SNAT_A_STATS: as for DNAT (answers, dumps)
 *
 * NFHP_CMD_REPLACE: replace the whole rule set in one step.  The packet
 *    path sees the old set or the new one, never a mix; on any error the
 *    old set stays.  Rule ids are assigned afresh in message order.
 *
 *    NFHP_A_RULES: NLA_NESTED: any number of NFHP_A_DNAT and NFHP_A_SNAT
 *                  nests, as for ADD.  A nest holds at most 64 KiB (about
 *                  1,500 rules): NFHP_A_RULES may be repeated, the rules
 *                  of all of them are taken in message order.
 *
 * NFHP_CMD_RULES_GET (dump): the whole rule set in one dump, each rule as
 *    DNAT_GET and SNAT_GET answer it (port forwards first), with their
 *    commands.  A set published during the dump flags the next message
 *    NLM_F_DUMP_INTR: dump again.  `hairpin save' uses it, so that a
 *    saved file is one rule set.
 *
 * NFHP_CMD_FLUSH: delete every rule.  Connections stay until they expire.
 *
 * NFHP_CMD_CONN_GET (dump): one message per connection:
 *
 *    NFHP_A_CONN: NLA_NESTED
 *        NFHP_CONN_A_PROTO: u8
 *        NFHP_CONN_A_STATE: u8: enum nfhp_conn_state
 *        NFHP_CONN_A_TIMEOUT: u32: seconds until it expires
 *        NFHP_CONN_A_ORIG: NLA_NESTED: NFHP_TUPLE_A_*: as the client sent it
 *        NFHP_CONN_A_REPLY: NLA_NESTED: NFHP_TUPLE_A_*: as the server answers
 *        NFHP_CONN_A_DNAT_ID: u32, optional: the DNAT rule that made it
 *        NFHP_CONN_A_SNAT_ID: u32, optional: the SNAT rule that made it
 *        NFHP_CONN_A_FLAGS: u32: NFHP_CONN_F_*
 *
 * NFHP_CMD_CONN_FLUSH: forget every connection.
 *
 * NFHP_CMD_STATS_GET: the namespace's counters.
 *
 *    NFHP_A_STATS: NLA_NESTED: NFHP_STATS_A_* (u64)
 *
 * NFHP_CMD_CONFIG_GET, NFHP_CMD_CONFIG_SET: timeouts (seconds,
 *    1..INT_MAX/HZ) and limits (CONN_MAX >= 1, RULES_MAX 1..1048576).  SET
 *    takes any subset, and outside the initial namespace none above the
 *    initial namespace's values without CAP_NET_ADMIN there (see
 *    Permissions); GET answers with all of them.
 *
 *    NFHP_A_CONFIG: NLA_NESTED: NFHP_CFG_A_* (u32)
 *
 *    FILTERING (enum nfhp_filtering) is not a limit: any namespace admin
 *    may set it.  A new namespace starts with ADDRESS_PORT.
 *
 *    Timeouts: a UDP mapping lives NFHP_CFG_A_UDP_UNREPLIED until its
 *    first reply, then NFHP_CFG_A_UDP (RFC 4787 REQ-5: >= 120 s); a TCP
 *    connection NFHP_CFG_A_TCP_SYN until established, then
 *    NFHP_CFG_A_TCP_ESTABLISHED (RFC 5382 REQ-5: >= 7440 s).  The short
 *    ones bound what spoofed packets can hold in the table; when it is
 *    full (CONN_MAX), a new connection evicts the oldest unreplied or
 *    half-open one near its hash bucket (NFHP_STATS_A_EVICTED), never a
 *    replied or established one.
 *
 * NFHP_CMD_EXPLAIN: what the first packet of a connection would meet, as
 *    the packet path decides it (the same code, the namespace's routing
 *    table and addresses), with nothing created or changed.
 *
 *    Request: NFHP_A_EXPLAIN: NLA_NESTED
 *        NFHP_EXPLAIN_A_IIF: NLA_NUL_STRING, optional: the interface the
 *                         packet arrives on; absent: sent by the router
 *        NFHP_EXPLAIN_A_PROTO: u8: IPPROTO_TCP or IPPROTO_UDP
 *        NFHP_EXPLAIN_A_SRC, NFHP_EXPLAIN_A_DST: __be32
 *        NFHP_EXPLAIN_A_SPORT: __be16, optional (default 40000)
 *        NFHP_EXPLAIN_A_DPORT: __be16 1..65535
 *    Answer: NFHP_A_EXPLAIN with
 *        NFHP_EXPLAIN_A_VERDICT: u32: enum nfhp_explain_verdict
 *        NFHP_EXPLAIN_A_SNAT: u32: enum nfhp_explain_snat: which source
 *                         the packet leaves with, and why
 *        NFHP_EXPLAIN_A_OIF: NLA_NUL_STRING: the route's interface (to the
 *                         server, or the destination if not forwarded)
 *        NFHP_EXPLAIN_A_GATEWAY: __be32, optional: its next hop
 *        NFHP_EXPLAIN_A_RTYPE: u8: the route's type (RTN_*)
 *        NFHP_EXPLAIN_A_ROUTE_ERR: u32, optional: the route lookup's error
 *                         (positive errno; VERDICT NO_ROUTE)
 *    and, when the packet would be translated, NFHP_A_CONN as in CONN_GET:
 *    the connection it would make (STATE none, TIMEOUT 0).  Its source
 *    port is the one it would get if no other connection held it then.
 *
 * Multicast group NFHP_MCGRP_EVENTS: NFHP_CMD_CONN_NEW and
 *    NFHP_CMD_CONN_DESTROY, each with NFHP_A_CONN as in CONN_GET.
 */
#ifndef _UAPI_LINUX_NF_HAIRPIN_H
#define _UAPI_LINUX_NF_HAIRPIN_H

#define NFHP_GENL_NAME		"nf_hairpin"
#define NFHP_GENL_VERSION	1
#define NFHP_MCGRP_EVENTS	"events"

enum nfhp_cmd {
	NFHP_CMD_UNSPEC,
	NFHP_CMD_DNAT_ADD,
	NFHP_CMD_DNAT_DEL,
	NFHP_CMD_DNAT_GET,
	NFHP_CMD_SNAT_ADD,
	NFHP_CMD_SNAT_DEL,
	NFHP_CMD_SNAT_GET,
	NFHP_CMD_REPLACE,
	NFHP_CMD_FLUSH,
	NFHP_CMD_CONN_GET,
	NFHP_CMD_CONN_FLUSH,
	NFHP_CMD_STATS_GET,
	NFHP_CMD_CONFIG_GET,
	NFHP_CMD_CONFIG_SET,
	NFHP_CMD_CONN_NEW,
	NFHP_CMD_CONN_DESTROY,
	NFHP_CMD_EXPLAIN,
	NFHP_CMD_RULES_GET,
	__NFHP_CMD_MAX
};
#define NFHP_CMD_MAX (__NFHP_CMD_MAX - 1)

enum nfhp_attr {
	NFHP_A_UNSPEC,
	NFHP_A_PAD,
	NFHP_A_DNAT,
	NFHP_A_SNAT,
	NFHP_A_RULES,
	NFHP_A_CONN,
	NFHP_A_STATS,
	NFHP_A_CONFIG,
	NFHP_A_EXPLAIN,
	__NFHP_A_MAX
};
#define NFHP_A_MAX (__NFHP_A_MAX - 1)

enum nfhp_dnat_flags {
	/* Match any address the namespace owns, now or later, instead of DST. */
	NFHP_DNAT_F_LOCAL		= 1U << 0,
	/* Never apply loopback SNAT automatically to this rule's connections. */
	NFHP_DNAT_F_NOREFLECT		= 1U << 1,
	/* Reflect with the address the client connected to (RFC 4787 REQ-9a)
	 * instead of the router's address on the server's interface.
	 */
	NFHP_DNAT_F_REFLECT_EXTERNAL	= 1U << 2,
	__NFHP_DNAT_F_ALL		= (1U << 3) - 1
};

enum nfhp_dnat_attr {
	NFHP_DNAT_A_UNSPEC,
	NFHP_DNAT_A_PAD,
	NFHP_DNAT_A_ID,
	NFHP_DNAT_A_IIF,
	NFHP_DNAT_A_SRC,
	NFHP_DNAT_A_SRC_PLEN,
	NFHP_DNAT_A_DST,
	NFHP_DNAT_A_PROTO,
	NFHP_DNAT_A_DPORT_MIN,
	NFHP_DNAT_A_DPORT_MAX,
	NFHP_DNAT_A_TO,
	NFHP_DNAT_A_TO_PORT_MIN,
	NFHP_DNAT_A_TO_PORT_MAX,
	NFHP_DNAT_A_FLAGS,
	NFHP_DNAT_A_STATS,
	__NFHP_DNAT_A_MAX
};
#define NFHP_DNAT_A_MAX (__NFHP_DNAT_A_MAX - 1)

enum nfhp_snat_flags {
	/* Use the primary address of the output interface instead of TO. */
	NFHP_SNAT_F_MASQUERADE		= 1U << 0,
	__NFHP_SNAT_F_ALL		= (1U << 1) - 1
};

enum nfhp_snat_attr {
	NFHP_SNAT_A_UNSPEC,
	NFHP_SNAT_A_PAD,
	NFHP_SNAT_A_ID,
	NFHP_SNAT_A_OIF,
	NFHP_SNAT_A_SRC,
	NFHP_SNAT_A_SRC_PLEN,
	NFHP_SNAT_A_DST,
	NFHP_SNAT_A_DST_PLEN,
	NFHP_SNAT_A_PROTO,
	NFHP_SNAT_A_DPORT_MIN,
	NFHP_SNAT_A_DPORT_MAX,
	NFHP_SNAT_A_TO,
	NFHP_SNAT_A_FLAGS,
	NFHP_SNAT_A_STATS,
	__NFHP_SNAT_A_MAX
};
#define NFHP_SNAT_A_MAX (__NFHP_SNAT_A_MAX - 1)

/* Per-rule counters, in NFHP_DNAT_A_STATS and NFHP_SNAT_A_STATS. */
enum nfhp_rstats_attr {
	NFHP_RSTATS_A_UNSPEC,
	NFHP_RSTATS_A_PAD,
	NFHP_RSTATS_A_PACKETS,
	NFHP_RSTATS_A_BYTES,
	NFHP_RSTATS_A_CONNS,
	__NFHP_RSTATS_A_MAX
};
#define NFHP_RSTATS_A_MAX (__NFHP_RSTATS_A_MAX - 1)

/* NFHP_A_RULES holds NFHP_A_DNAT and NFHP_A_SNAT nests, in order. */

enum nfhp_conn_state {
	NFHP_CONN_S_NONE,
	NFHP_CONN_S_SYN_SENT,
	NFHP_CONN_S_SYN_RECV,
	NFHP_CONN_S_ESTABLISHED,
	NFHP_CONN_S_FIN_WAIT,
	NFHP_CONN_S_CLOSE_WAIT,
	NFHP_CONN_S_LAST_ACK,
	NFHP_CONN_S_TIME_WAIT,
	NFHP_CONN_S_CLOSE,
	NFHP_CONN_S_UDP_UNREPLIED,
	NFHP_CONN_S_UDP_REPLIED,
	__NFHP_CONN_S_MAX
};

enum nfhp_conn_flags {
	/* Loopback SNAT applied by reflection (no explicit SNAT rule). */
	NFHP_CONN_F_REFLECTED		= 1U << 0,
	/* Opened by the router itself (LOCAL_OUT). */
	NFHP_CONN_F_LOCAL_OUT		= 1U << 1,
	/* A reply has been seen. */
	NFHP_CONN_F_REPLIED		= 1U << 2,
};

enum nfhp_conn_attr {
	NFHP_CONN_A_UNSPEC,
	NFHP_CONN_A_PAD,
	NFHP_CONN_A_PROTO,
	NFHP_CONN_A_STATE,
	NFHP_CONN_A_TIMEOUT,
	NFHP_CONN_A_ORIG,
	NFHP_CONN_A_REPLY,
	NFHP_CONN_A_DNAT_ID,
	NFHP_CONN_A_SNAT_ID,
	NFHP_CONN_A_FLAGS,
	__NFHP_CONN_A_MAX
};
#define NFHP_CONN_A_MAX (__NFHP_CONN_A_MAX - 1)

enum nfhp_tuple_attr {
	NFHP_TUPLE_A_UNSPEC,
	NFHP_TUPLE_A_SRC,
	NFHP_TUPLE_A_SPORT,
	NFHP_TUPLE_A_DST,
	NFHP_TUPLE_A_DPORT,
	__NFHP_TUPLE_A_MAX
};
#define NFHP_TUPLE_A_MAX (__NFHP_TUPLE_A_MAX - 1)

/* Namespace counters, in NFHP_A_STATS.  All u64. */
enum nfhp_stats_attr {
	NFHP_STATS_A_UNSPEC,
	NFHP_STATS_A_PAD,
	NFHP_STATS_A_CONNS,		/* connections in the table now */
	NFHP_STATS_A_XLATE_ORIG,	/* packets translated, client->server */
	NFHP_STATS_A_XLATE_REPLY,	/* packets translated, server->client */
	NFHP_STATS_A_XLATE_ICMP,	/* ICMP errors translated */
	NFHP_STATS_A_CONN_CREATED,
	NFHP_STATS_A_CONN_EXPIRED,
	NFHP_STATS_A_LOOKUP_MISS,	/* packets matching no connection */
	NFHP_STATS_A_DROP_TABLE_FULL,
	NFHP_STATS_A_DROP_NO_PORT,
	/* Too short for their headers: passed on untouched (the stack drops
	 * them).
	 */
	NFHP_STATS_A_MALFORMED,
	NFHP_STATS_A_CLASH,		/* lost a creation race to another CPU */
	/* TCP RSTs, FINs and SYN/ACKs too far from the sequence numbers the
	 * connection has seen (blind or stale): passed on, translated, but
	 * the connection's state is left as it was.  Also RSTs, SYN/ACKs and
	 * flagless segments that an SNAT rule matched without a connection:
	 * dropped, not sent out with the private source.
	 */
	NFHP_STATS_A_TCP_OUT_OF_WINDOW,
	/* Unreplied or half-open connections removed to make room for a new
	 * one in a full table.
	 */
	NFHP_STATS_A_EVICTED,
	/* New connections dropped because their memory could not be had:
	 * the system's, or the namespace's memory cgroup's limit.
	 */
	NFHP_STATS_A_DROP_NOMEM,
	/* Packets dropped because nf_conntrack had already confirmed their
	 * connection untranslated (it began before the rule, or outlived its
	 * entry here): the conntrack entry is deleted with them, so that the
	 * next packet starts the connection anew, seen alike by both.
	 */
	NFHP_STATS_A_CT_DROP,
	/* Packets of a protocol whose checksum covers the addresses in a way
	 * not rewritten here (DCCP, UDP-Lite) that an SNAT rule matched:
	 * dropped, never sent out with the private source.
	 */
	NFHP_STATS_A_DROP_PROTO,
	/* TCP connections taken up mid-stream through an SNAT rule (their
	 * entry had gone: flushed, expired, module reloaded).
	 */
	NFHP_STATS_A_TCP_PICKUP,
	/* Connections ended because their SNAT address was removed or the
	 * interface it is on went down.
	 */
	NFHP_STATS_A_ADDR_GONE,
	/* New connections given another source port because their replies
	 * would have matched another connection (nf_nat does the same).
	 */
	NFHP_STATS_A_CLASH_REMAP,
	/* ICMP errors about a connection of ours whose checksum is wrong:
	 * dropped, as nf_nat drops them (never sent on untranslated, with
	 * the private address they quote).
	 */
	NFHP_STATS_A_DROP_ICMP_CSUM,
	/* Connections from inside to another endpoint's mapping (external
	 * address and port of a masquerade or SNAT connection): hairpinned
	 * to its internal endpoint (RFC 4787 REQ-9).
	 */
	NFHP_STATS_A_MAP_HAIRPIN,
	/* Connections from outside let in on a mapping by endpoint-
	 * independent filtering (NFHP_CFG_A_FILTERING).
	 */
	NFHP_STATS_A_MAP_IN,
	/* TCP SYNs from outside to a mapping that address-and-port-dependent
	 * filtering keeps out: dropped, not answered with a RST (RFC 5382
	 * REQ-4: the host may be opening the same connection from inside).
	 */
	NFHP_STATS_A_MAP_FILTERED,
	__NFHP_STATS_A_MAX
};
#define NFHP_STATS_A_MAX (__NFHP_STATS_A_MAX - 1)
/* The old name of NFHP_STATS_A_MALFORMED (these packets are not dropped
 * here), kept for programs built against 0.1.
 */
#define NFHP_STATS_A_DROP_MALFORMED	NFHP_STATS_A_MALFORMED

/* Settings, in NFHP_A_CONFIG.  All u32; timeouts in seconds. */
enum nfhp_cfg_attr {
	NFHP_CFG_A_UNSPEC,
	NFHP_CFG_A_TCP_ESTABLISHED,	/* default 7440 (RFC 5382) */
	NFHP_CFG_A_TCP_TRANSITORY,	/* default 240: FIN and closing */
	NFHP_CFG_A_TCP_TIME_WAIT,	/* default 120 */
	NFHP_CFG_A_UDP,			/* default 300 (RFC 4787) */
	NFHP_CFG_A_ICMP,		/* default 60 */
	NFHP_CFG_A_CONN_MAX,		/* connection table limit */
	NFHP_CFG_A_RULES_MAX,		/* rules per kind limit */
	NFHP_CFG_A_UDP_UNREPLIED,	/* default 30: UDP before any reply */
	NFHP_CFG_A_TCP_SYN,		/* default 120: SYN_SENT, SYN_RECV */
	NFHP_CFG_A_FILTERING,		/* enum nfhp_filtering */
	__NFHP_CFG_A_MAX
};
#define NFHP_CFG_A_MAX (__NFHP_CFG_A_MAX - 1)

/*
 * NFHP_CFG_A_FILTERING: which packets from outside reach an internal
 * endpoint through the mapping (external address and port) that its
 * masquerade or SNAT connections hold (RFC 4787 section 5, RFC 5382 REQ-3).
 *
 * ADDRESS_PORT (the default): only replies of the connections made from
 *    inside, i.e. from the very address and port each was sent to.
 * ENDPOINT: also a new connection from any address and port (RFC 4787
 *    REQ-8's recommendation where application transparency matters: STUN,
 *    peer-to-peer games, VoIP, WireGuard behind NAT); it is made on the
 *    mapping, as long as the mapping lives (while the internal endpoint
 *    has a connection out through it).
 *
 * Either way, a packet from inside to a mapping's external address and
 * port reaches its internal endpoint (hairpinning, RFC 4787 REQ-9).
 */
enum nfhp_filtering {
	NFHP_FILTERING_ADDRESS_PORT,
	NFHP_FILTERING_ENDPOINT,
	__NFHP_FILTERING_MAX
};
#define NFHP_FILTERING_MAX (__NFHP_FILTERING_MAX - 1)

/* NFHP_CMD_EXPLAIN's nest. */
enum nfhp_explain_attr {
	NFHP_EXPLAIN_A_UNSPEC,
	NFHP_EXPLAIN_A_IIF,
	NFHP_EXPLAIN_A_PROTO,
	NFHP_EXPLAIN_A_SRC,
	NFHP_EXPLAIN_A_SPORT,
	NFHP_EXPLAIN_A_DST,
	NFHP_EXPLAIN_A_DPORT,
	NFHP_EXPLAIN_A_VERDICT,
	NFHP_EXPLAIN_A_SNAT,
	NFHP_EXPLAIN_A_OIF,
	NFHP_EXPLAIN_A_GATEWAY,
	NFHP_EXPLAIN_A_RTYPE,
	NFHP_EXPLAIN_A_ROUTE_ERR,
	__NFHP_EXPLAIN_A_MAX
};
#define NFHP_EXPLAIN_A_MAX (__NFHP_EXPLAIN_A_MAX - 1)

enum nfhp_explain_verdict {
	NFHP_EXPLAIN_NONE,		/* no rule, no mapping: untranslated */
	NFHP_EXPLAIN_FORWARD,		/* a port forward (DNAT rule) */
	NFHP_EXPLAIN_MASQUERADE,	/* no forward; an SNAT rule on the way out */
	NFHP_EXPLAIN_MAPPING,		/* to a mapping, from inside: hairpinned */
	NFHP_EXPLAIN_MAPPING_IN,	/* to a mapping, from outside: let in */
	NFHP_EXPLAIN_FILTERED,		/* to a mapping, from outside: kept out */
	NFHP_EXPLAIN_NO_ROUTE,		/* no route: NFHP_EXPLAIN_A_ROUTE_ERR */
	__NFHP_EXPLAIN_MAX
};

enum nfhp_explain_snat {
	NFHP_EXPLAIN_SNAT_NONE,		/* no SNAT rule matches */
	NFHP_EXPLAIN_SNAT_RULE,		/* an SNAT rule: NFHP_CONN_A_SNAT_ID */
	/* reflection: the client is on-link on the server's interface, and
	 * the server would answer it directly
	 */
	NFHP_EXPLAIN_SNAT_REFLECT,
	NFHP_EXPLAIN_SNAT_REFLECT_EXTERNAL,	/* ... to the public address */
	/* no SNAT needed: the client is reached another way than the server's
	 * interface on-link, so the answers come back through the router
	 */
	NFHP_EXPLAIN_SNAT_NOT_ONLINK,
	NFHP_EXPLAIN_SNAT_NOREFLECT,	/* the DNAT rule says noreflect */
	NFHP_EXPLAIN_SNAT_MAPPING,	/* hairpin: the sender's own mapping */
	__NFHP_EXPLAIN_SNAT_MAX
};

#endif /* _UAPI_LINUX_NF_HAIRPIN_H */
