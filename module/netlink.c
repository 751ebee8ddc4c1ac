// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin netlink: the generic netlink family NFHP_GENL_NAME, documented
 * command by command in uapi/linux/nf_hairpin.h.
 *
 * Design
 * ------
 * - Every command, the read-only ones included, needs CAP_NET_ADMIN in the
 *   user namespace owning the network namespace (GENL_UNS_ADMIN_PERM) and
 *   acts on the namespace of the sending socket (.netnsok); so does joining
 *   the events group (GENL_MCAST_CAP_NET_ADMIN).  Settings above the initial
 *   namespace's need CAP_NET_ADMIN over the initial user namespace
 *   (cfg_check_ceiling()).
 * - Strict validation for every command (.resv_start_op left at 0, so it
 *   covers command 1 on): unknown attributes, wrong lengths, missing
 *   NLA_F_NESTED, unknown flag bits, reserved genl header bits and
 *   nlmsg_flags other than REQUEST/ACK/ECHO/DUMP are rejected.  The
 *   top-level policies only say which nest a command takes; the nests
 *   are parsed here with NLA_POLICY_* policies, and a failure is
 *   relabelled with a message naming the attribute and what it must be
 *   ("dnat dport-min: must be ..."), using the attribute names of
 *   Documentation/netlink/specs/nf_hairpin.yaml.  (So the nests are not
 *   NLA_POLICY_NESTED in the top-level policies: the core would reject
 *   first, with its generic messages.)
 *   Every rejection carries an extack message and points at the attribute
 *   (NLMSGERR_ATTR_OFFS) or names the missing one (NLMSGERR_ATTR_MISS_*).
 * - Prefixes with host bits set are rejected, not masked: what is dumped is
 *   what was sent.
 * - .parallel_ops: commands of different namespaces do not serialise on
 *   genl_mutex; writers of a namespace take hn->lock.  A request is fully
 *   parsed and checked before the lock is taken; rules.c then checks it
 *   against the current set and prepares a new one, the namespace's hooks
 *   are registered if the set has rules, and the set is published in one
 *   step that cannot fail, so a rejected request changes nothing.
 * - Dumps run under RCU on the published (immutable) set, one message per
 *   rule in id order, resuming after the last id sent (cb->args[0]), so
 *   any number of rules dump across as many messages as needed.  cb->seq
 *   is the set's generation: a dump that spans a change is flagged with
 *   NLM_F_DUMP_INTR (genl_dump_check_consistent()).
 */
#include <linux/kernel.h>
#include <linux/in.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <linux/nf_hairpin.h>

#include "nf_hairpin.h"
#include "rules.h"
#include "conn.h"
#include "hooks.h"
#include "netlink.h"

enum { NFHP_MCGRP_EVENTS_IDX };

static struct genl_family nfhp_genl_family;

/*
 * PROTO: a range policy plus proto_ok().  Not NLA_POLICY_VALIDATE_FN: 6.1
 * WARNs when it reports the policy of a rejected integer attribute that
 * has a validation function (nla_get_range_unsigned()).
 */
#define PROTO_POLICY	NLA_POLICY_RANGE(NLA_U8, IPPROTO_TCP, IPPROTO_UDP)

#define PORT_POLICY	NLA_POLICY_MIN(NLA_BE16, 1)
#define IFNAME_POLICY	{ .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 }
#define ADDR_POLICY	{ .type = NLA_BE32 }
#define OUTPUT_ONLY	{ .type = NLA_REJECT }
#define PLEN_POLICY	NLA_POLICY_MAX(NLA_U8, 32)
#define ID_POLICY	NLA_POLICY_MIN(NLA_U32, 1)

/* Room for the attributes of either kind; the id is at the same place. */
#define RULE_A_MAX	NFHP_DNAT_A_MAX
#define RULE_A_ID	NFHP_DNAT_A_ID
static_assert(NFHP_SNAT_A_MAX <= RULE_A_MAX);
static_assert((int)NFHP_SNAT_A_ID == (int)RULE_A_ID);

/* What a rejected attribute of both kinds must be: "dnat src: ...". */
#define BOTH(name, what)	{ "dnat " name ": " what, "snat " name ": " what }
#define REQ_ERR			"not accepted in requests"
#define ADDR_ERR		"must be a 4-byte IPv4 address"
#define PLEN_ERR		"must be a u8 0..32"
#define PORT_ERR		"must be a 2-byte port 1..65535"
#define IFNAME_ERR		\
	"must be a NUL-terminated interface name (at most 15 characters)"

/*
 * The attributes of the two kinds of rule nest side by side: the type in
 * each kind (0: it has none), the policy, and what a rejected value must
 * be ([0]: an unknown attribute).  rule_policy[] and rule_errs[] are built
 * from it.
 */
static const struct rule_attr {
	u8			type[NFHP_RULE_KINDS];
	struct nla_policy	policy;
	const char		*err[NFHP_RULE_KINDS];
} rule_attrs[] = {
	{ { 0, 0 }, {}, { "dnat: unknown attribute", "snat: unknown attribute" } },
	{ { NFHP_DNAT_A_PAD, NFHP_SNAT_A_PAD }, OUTPUT_ONLY, BOTH("pad", REQ_ERR) },
	{ { NFHP_DNAT_A_ID, NFHP_SNAT_A_ID }, ID_POLICY, BOTH("id", "must be a u32 >= 1") },
	{ { NFHP_DNAT_A_IIF, NFHP_SNAT_A_OIF }, IFNAME_POLICY,
	  { "dnat iif: " IFNAME_ERR, "snat oif: " IFNAME_ERR } },
	{ { NFHP_DNAT_A_SRC, NFHP_SNAT_A_SRC }, ADDR_POLICY, BOTH("src", ADDR_ERR) },
	{ { NFHP_DNAT_A_SRC_PLEN, NFHP_SNAT_A_SRC_PLEN }, PLEN_POLICY, BOTH("src-plen", PLEN_ERR) },
	{ { NFHP_DNAT_A_DST, NFHP_SNAT_A_DST }, ADDR_POLICY, BOTH("dst", ADDR_ERR) },
	{ { 0, NFHP_SNAT_A_DST_PLEN }, PLEN_POLICY, { NULL, "snat dst-plen: " PLEN_ERR } },
	{ { NFHP_DNAT_A_PROTO, NFHP_SNAT_A_PROTO }, PROTO_POLICY,
	  BOTH("proto", "must be a u8, tcp (6) or udp (17)") },
	{ { NFHP_DNAT_A_DPORT_MIN, NFHP_SNAT_A_DPORT_MIN }, PORT_POLICY, BOTH("dport-min", PORT_ERR) },
	{ { NFHP_DNAT_A_DPORT_MAX, NFHP_SNAT_A_DPORT_MAX }, PORT_POLICY, BOTH("dport-max", PORT_ERR) },
	{ { NFHP_DNAT_A_TO, NFHP_SNAT_A_TO }, ADDR_POLICY, BOTH("to", ADDR_ERR) },
	{ { NFHP_DNAT_A_TO_PORT_MIN, 0 }, PORT_POLICY, { "dnat to-port-min: " PORT_ERR } },
	{ { NFHP_DNAT_A_TO_PORT_MAX, 0 }, PORT_POLICY, { "dnat to-port-max: " PORT_ERR } },
	{ { NFHP_DNAT_A_FLAGS, 0 }, NLA_POLICY_MASK(NLA_U32, __NFHP_DNAT_F_ALL),
	  { "dnat flags: must be a u32 of known flags (local, noreflect, reflect-external)" } },
	{ { 0, NFHP_SNAT_A_FLAGS }, NLA_POLICY_MASK(NLA_U32, __NFHP_SNAT_F_ALL),
	  { NULL, "snat flags: must be a u32 of known flags (masquerade)" } },
	{ { NFHP_DNAT_A_STATS, NFHP_SNAT_A_STATS }, OUTPUT_ONLY, BOTH("stats", REQ_ERR) },
};

static struct nla_policy rule_policy[NFHP_RULE_KINDS][RULE_A_MAX + 1]
	__ro_after_init;
static const char *rule_errs[NFHP_RULE_KINDS][RULE_A_MAX + 1] __ro_after_init;

/*
 * NL_SET_ERR_MSG*() take string literals only (6.1 copies the message into
 * a static array): messages picked at run time, from a table by attribute
 * type or rule kind, are set here.
 */
static void set_err_msg(struct netlink_ext_ack *extack, const char *msg)
{
	if (extack)
		extack->_msg = msg;
}

/* The protocol of a rule of @kind: see PROTO_POLICY. */
static bool proto_ok(enum nfhp_rule_kind kind, const struct nlattr *attr,
		     struct netlink_ext_ack *extack)
{
	u8 proto = nla_get_u8(attr);

	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP)
		return true;
	NL_SET_BAD_ATTR(extack, attr);
	set_err_msg(extack, rule_errs[kind][nla_type(attr)]);
	return false;
}

static void __init rule_tables_init(void)
{
	const struct rule_attr *a;
	int k;

	for (a = rule_attrs; a < rule_attrs + ARRAY_SIZE(rule_attrs); a++) {
		for (k = 0; k < NFHP_RULE_KINDS; k++) {
			/* memcpy(): struct nla_policy has const members */
			if (a->type[k])
				memcpy(&rule_policy[k][a->type[k]], &a->policy,
				       sizeof(a->policy));
			if (a->err[k])
				rule_errs[k][a->type[k]] = a->err[k];
		}
	}
}

/* NFHP_A_RULES of NFHP_CMD_REPLACE: dnat and snat nests only. */
static const struct nla_policy rules_policy[NFHP_A_MAX + 1] = {
	[NFHP_A_DNAT]	= { .type = NLA_NESTED },
	[NFHP_A_SNAT]	= { .type = NLA_NESTED },
};

static const char * const rules_errs[NFHP_A_MAX + 1] = {
	[NFHP_A_UNSPEC]	= "rules: only dnat and snat nests allowed",
	[NFHP_A_PAD]	= "rules: only dnat and snat nests allowed",
	[NFHP_A_DNAT]	= "rules dnat: must be a nest (NLA_F_NESTED)",
	[NFHP_A_SNAT]	= "rules snat: must be a nest (NLA_F_NESTED)",
	[NFHP_A_RULES]	= "rules: only dnat and snat nests allowed",
	[NFHP_A_CONN]	= "rules: only dnat and snat nests allowed",
	[NFHP_A_STATS]	= "rules: only dnat and snat nests allowed",
	[NFHP_A_CONFIG]	= "rules: only dnat and snat nests allowed",
	[NFHP_A_EXPLAIN] = "rules: only dnat and snat nests allowed",
};

static struct netlink_range_validation timeout_range __ro_after_init = {
	.min = 1,
	.max = INT_MAX / HZ,
};

static struct netlink_range_validation rules_max_range __ro_after_init = {
	.min = 1,
	.max = NFHP_RULES_LIMIT,
};

#define TIMEOUT_POLICY	NLA_POLICY_FULL_RANGE(NLA_U32, &timeout_range)

static const struct nla_policy cfg_policy[NFHP_CFG_A_MAX + 1] = {
	[NFHP_CFG_A_TCP_ESTABLISHED]	= TIMEOUT_POLICY,
	[NFHP_CFG_A_TCP_TRANSITORY]	= TIMEOUT_POLICY,
	[NFHP_CFG_A_TCP_TIME_WAIT]	= TIMEOUT_POLICY,
	[NFHP_CFG_A_UDP]		= TIMEOUT_POLICY,
	[NFHP_CFG_A_ICMP]		= TIMEOUT_POLICY,
	[NFHP_CFG_A_CONN_MAX]		= NLA_POLICY_MIN(NLA_U32, 1),
	[NFHP_CFG_A_RULES_MAX]		= NLA_POLICY_FULL_RANGE(NLA_U32,
							&rules_max_range),
	[NFHP_CFG_A_UDP_UNREPLIED]	= TIMEOUT_POLICY,
	[NFHP_CFG_A_TCP_SYN]		= TIMEOUT_POLICY,
	[NFHP_CFG_A_FILTERING]		= NLA_POLICY_MAX(NLA_U32,
							 NFHP_FILTERING_MAX),
};

#define TIMEOUT_ERR(name)	\
	"config " name ": must be a u32 number of seconds, 1..INT_MAX/HZ"

#define FILTERING_ERR \
	"config filtering: must be 0 (address-and-port-dependent) or 1 (endpoint-independent)"

static const char * const cfg_errs[NFHP_CFG_A_MAX + 1] = {
	[NFHP_CFG_A_UNSPEC]		= "config: unknown attribute",
	[NFHP_CFG_A_TCP_ESTABLISHED]	= TIMEOUT_ERR("tcp-established"),
	[NFHP_CFG_A_TCP_TRANSITORY]	= TIMEOUT_ERR("tcp-transitory"),
	[NFHP_CFG_A_TCP_TIME_WAIT]	= TIMEOUT_ERR("tcp-time-wait"),
	[NFHP_CFG_A_UDP]		= TIMEOUT_ERR("udp"),
	[NFHP_CFG_A_ICMP]		= TIMEOUT_ERR("icmp"),
	[NFHP_CFG_A_CONN_MAX]		= "config conn-max: must be a u32 >= 1",
	[NFHP_CFG_A_RULES_MAX]		= "config rules-max: must be a u32 1..1048576",
	[NFHP_CFG_A_UDP_UNREPLIED]	= TIMEOUT_ERR("udp-unreplied"),
	[NFHP_CFG_A_TCP_SYN]		= TIMEOUT_ERR("tcp-syn"),
	[NFHP_CFG_A_FILTERING]		= FILTERING_ERR,
};

/* The timeouts in struct nfhp_cfg (jiffies): every attribute but
 * CONN_MAX, RULES_MAX and FILTERING (cfg_is_timeout()).
 */
static const size_t cfg_timeouts[NFHP_CFG_A_MAX + 1] = {
	[NFHP_CFG_A_TCP_ESTABLISHED]	= offsetof(struct nfhp_cfg,
						   tcp_established),
	[NFHP_CFG_A_TCP_TRANSITORY]	= offsetof(struct nfhp_cfg,
						   tcp_transitory),
	[NFHP_CFG_A_TCP_TIME_WAIT]	= offsetof(struct nfhp_cfg, tcp_time_wait),
	[NFHP_CFG_A_UDP]		= offsetof(struct nfhp_cfg, udp),
	[NFHP_CFG_A_ICMP]		= offsetof(struct nfhp_cfg, icmp),
	[NFHP_CFG_A_UDP_UNREPLIED]	= offsetof(struct nfhp_cfg, udp_unreplied),
	[NFHP_CFG_A_TCP_SYN]		= offsetof(struct nfhp_cfg, tcp_syn),
};

static bool cfg_is_timeout(int type)
{
	return type > NFHP_CFG_A_UNSPEC && type <= NFHP_CFG_A_MAX &&
	       type != NFHP_CFG_A_CONN_MAX && type != NFHP_CFG_A_RULES_MAX &&
	       type != NFHP_CFG_A_FILTERING;
}

/* Top level: which nest each command takes. */
static const struct nla_policy dnat_req_policy[NFHP_A_MAX + 1] = {
	[NFHP_A_DNAT]	= { .type = NLA_NESTED },
};

static const struct nla_policy snat_req_policy[NFHP_A_MAX + 1] = {
	[NFHP_A_SNAT]	= { .type = NLA_NESTED },
};

static const struct nla_policy replace_req_policy[NFHP_A_MAX + 1] = {
	[NFHP_A_RULES]	= { .type = NLA_NESTED },
};

static const struct nla_policy explain_req_policy[NFHP_A_MAX + 1] = {
	[NFHP_A_EXPLAIN]	= { .type = NLA_NESTED },
};

static const struct nla_policy explain_policy[NFHP_EXPLAIN_A_MAX + 1] = {
	[NFHP_EXPLAIN_A_IIF]		= IFNAME_POLICY,
	[NFHP_EXPLAIN_A_PROTO]		= PROTO_POLICY,
	[NFHP_EXPLAIN_A_SRC]		= ADDR_POLICY,
	[NFHP_EXPLAIN_A_SPORT]		= PORT_POLICY,
	[NFHP_EXPLAIN_A_DST]		= ADDR_POLICY,
	[NFHP_EXPLAIN_A_DPORT]		= PORT_POLICY,
	[NFHP_EXPLAIN_A_VERDICT]	= OUTPUT_ONLY,
	[NFHP_EXPLAIN_A_SNAT]		= OUTPUT_ONLY,
	[NFHP_EXPLAIN_A_OIF]		= OUTPUT_ONLY,
	[NFHP_EXPLAIN_A_GATEWAY]	= OUTPUT_ONLY,
	[NFHP_EXPLAIN_A_RTYPE]		= OUTPUT_ONLY,
	[NFHP_EXPLAIN_A_ROUTE_ERR]	= OUTPUT_ONLY,
};

static const char * const explain_errs[NFHP_EXPLAIN_A_MAX + 1] = {
	[NFHP_EXPLAIN_A_UNSPEC]		= "explain: unknown attribute",
	[NFHP_EXPLAIN_A_IIF]		= "explain iif: " IFNAME_ERR,
	[NFHP_EXPLAIN_A_PROTO]		= "explain proto: must be a u8, tcp (6) or udp (17)",
	[NFHP_EXPLAIN_A_SRC]		= "explain src: " ADDR_ERR,
	[NFHP_EXPLAIN_A_SPORT]		= "explain sport: " PORT_ERR,
	[NFHP_EXPLAIN_A_DST]		= "explain dst: " ADDR_ERR,
	[NFHP_EXPLAIN_A_DPORT]		= "explain dport: " PORT_ERR,
	[NFHP_EXPLAIN_A_VERDICT]	= "explain verdict: " REQ_ERR,
	[NFHP_EXPLAIN_A_SNAT]		= "explain snat: " REQ_ERR,
	[NFHP_EXPLAIN_A_OIF]		= "explain oif: " REQ_ERR,
	[NFHP_EXPLAIN_A_GATEWAY]	= "explain gateway: " REQ_ERR,
	[NFHP_EXPLAIN_A_RTYPE]		= "explain rtype: " REQ_ERR,
	[NFHP_EXPLAIN_A_ROUTE_ERR]	= "explain route-err: " REQ_ERR,
};

static const struct nla_policy config_req_policy[NFHP_A_MAX + 1] = {
	[NFHP_A_CONFIG]	= { .type = NLA_NESTED },
};

/*
 * Parse (@tb) or only validate (@tb NULL) the nest @nest strictly; on
 * failure inside it, replace the generic message with @errs[type].
 */
static int parse_nest(struct nlattr **tb, int maxtype,
		      const struct nlattr *nest,
		      const struct nla_policy *policy,
		      const char * const *errs, struct netlink_ext_ack *extack)
{
	const struct nlattr *bad;
	const void *start = nla_data(nest);
	int err, type;

	if (tb)
		err = nla_parse_nested(tb, maxtype, nest, policy, extack);
	else
		err = nla_validate_nested(nest, maxtype, policy, extack);
	if (!err || !extack)
		return err;
	bad = extack->bad_attr;
	if (bad && (const void *)bad >= start &&
	    (const void *)bad < start + nla_len(nest)) {
		type = nla_type(bad);
		set_err_msg(extack, errs[type <= maxtype ? type : 0]);
	} else if (!bad) {
		extack->bad_attr = nest;
	}
	return err;
}

/*
 * Reject the request: attribute @attr is wrong, or attribute @type of
 * @nest (NULL: the top level) is missing.  @msg is a literal.
 */
#define REJECT(extack, attr, msg) ({					\
	NL_SET_ERR_MSG_ATTR(extack, attr, msg);				\
	-EINVAL;							\
})
#define MISSING(extack, nest, type, msg) ({				\
	NL_SET_ERR_ATTR_MISS(extack, nest, type);			\
	NL_SET_ERR_MSG(extack, msg);					\
	-EINVAL;							\
})

static __be32 plen_mask(u8 plen)
{
	return plen ? htonl(~0U << (32 - plen)) : 0;
}

static u16 get_port(const struct nlattr *attr, u16 dflt)
{
	return attr ? ntohs(nla_get_be16(attr)) : dflt;
}

/*
 * The prefix @addr/@plen (each optional) into *@a, *@mask and *@len;
 * false if @addr has bits set beyond the prefix length.
 */
static bool get_prefix(const struct nlattr *addr, const struct nlattr *plen,
		       __be32 *a, __be32 *mask, u8 *len)
{
	if (plen)
		*len = nla_get_u8(plen);
	*mask = plen_mask(*len);
	if (addr)
		*a = nla_get_in_addr(addr);
	return !(*a & ~*mask);
}

/* The interface name @attr (optional) into @name; false if it is empty. */
static bool get_ifname(char *name, const struct nlattr *attr)
{
	if (attr)
		nla_strscpy(name, attr, IFNAMSIZ);
	return !attr || name[0];
}

/* True (and the extack set) if any attribute but @keep is present. */
static bool only(struct nlattr **tb, int maxtype, int keep,
		 struct netlink_ext_ack *extack)
{
	int i;

	for (i = 1; i <= maxtype; i++) {
		if (i != keep && tb[i]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[keep],
					    "id: give the id alone or the match, not both");
			return false;
		}
	}
	return true;
}

/*
 * Fill @r from @tb (the parsed @nest) and check it.  @match_only: for a
 * delete, only the match counts (iif, src, dst or local, proto, ports).
 */
static int dnat_from_attrs(struct nfhp_rule *rule, struct nlattr **tb,
			   const struct nlattr *nest, bool match_only,
			   struct netlink_ext_ack *extack)
{
	struct nfhp_dnat_rule *r = nfhp_dnat(rule);
	struct nlattr *a;

	if (!tb[NFHP_DNAT_A_PROTO])
		return MISSING(extack, nest, NFHP_DNAT_A_PROTO,
			       "dnat proto: missing");
	if (!tb[NFHP_DNAT_A_DPORT_MIN])
		return MISSING(extack, nest, NFHP_DNAT_A_DPORT_MIN,
			       "dnat dport-min: missing");
	if (!proto_ok(NFHP_RULE_DNAT, tb[NFHP_DNAT_A_PROTO], extack))
		return -EINVAL;
	r->proto = nla_get_u8(tb[NFHP_DNAT_A_PROTO]);
	r->dport_min = get_port(tb[NFHP_DNAT_A_DPORT_MIN], 0);
	r->dport_max = get_port(tb[NFHP_DNAT_A_DPORT_MAX], r->dport_min);
	if (r->dport_max < r->dport_min)
		return REJECT(extack, tb[NFHP_DNAT_A_DPORT_MAX],
			      "dnat dport-max: below dport-min");
	if (tb[NFHP_DNAT_A_FLAGS])
		rule->flags = nla_get_u32(tb[NFHP_DNAT_A_FLAGS]);
	if (match_only)
		rule->flags &= NFHP_DNAT_F_LOCAL;
	if ((rule->flags & NFHP_DNAT_F_NOREFLECT) &&
	    (rule->flags & NFHP_DNAT_F_REFLECT_EXTERNAL))
		return REJECT(extack, tb[NFHP_DNAT_A_FLAGS],
			      "dnat flags: noreflect and reflect-external exclude each other");
	a = tb[NFHP_DNAT_A_DST];
	if (rule->flags & NFHP_DNAT_F_LOCAL) {
		if (a)
			return REJECT(extack, a,
				      "dnat dst: not allowed with the local flag");
	} else if (!a) {
		return MISSING(extack, nest, NFHP_DNAT_A_DST,
			       "dnat dst: missing (or set the local flag)");
	} else {
		r->dst = nla_get_in_addr(a);
		if (!r->dst)
			return REJECT(extack, a,
				      "dnat dst: 0.0.0.0 is not an address (use the local flag)");
	}
	if (!get_prefix(tb[NFHP_DNAT_A_SRC], tb[NFHP_DNAT_A_SRC_PLEN],
			&r->src, &r->src_mask, &r->src_plen))
		return REJECT(extack, tb[NFHP_DNAT_A_SRC],
			      "dnat src: host bits set beyond src-plen");
	if (!get_ifname(r->iif, tb[NFHP_DNAT_A_IIF]))
		return REJECT(extack, tb[NFHP_DNAT_A_IIF], "dnat iif: empty name");
	if (match_only)
		return 0;

	a = tb[NFHP_DNAT_A_TO];
	if (!a)
		return MISSING(extack, nest, NFHP_DNAT_A_TO, "dnat to: missing");
	r->to = nla_get_in_addr(a);
	if (!r->to)
		return REJECT(extack, a, "dnat to: 0.0.0.0 is not an address");
	a = tb[NFHP_DNAT_A_TO_PORT_MAX];
	if (a && !tb[NFHP_DNAT_A_TO_PORT_MIN])
		return REJECT(extack, a, "dnat to-port-max: only with to-port-min");
	r->to_port_min = get_port(tb[NFHP_DNAT_A_TO_PORT_MIN], 0);
	r->to_port_max = get_port(a, r->to_port_min);
	if (r->to_port_max < r->to_port_min)
		return REJECT(extack, a, "dnat to-port-max: below to-port-min");
	if (r->to_port_max != r->to_port_min &&
	    r->to_port_max - r->to_port_min != r->dport_max - r->dport_min)
		return REJECT(extack, a,
			      "dnat to-port-max: target range must be a single port or as wide as dport-min..dport-max");
	return 0;
}

static int snat_from_attrs(struct nfhp_rule *rule, struct nlattr **tb,
			   const struct nlattr *nest, bool match_only,
			   struct netlink_ext_ack *extack)
{
	struct nfhp_snat_rule *r = nfhp_snat(rule);
	struct nlattr *a;

	if (!get_ifname(r->oif, tb[NFHP_SNAT_A_OIF]))
		return REJECT(extack, tb[NFHP_SNAT_A_OIF], "snat oif: empty name");
	if (!get_prefix(tb[NFHP_SNAT_A_SRC], tb[NFHP_SNAT_A_SRC_PLEN],
			&r->src, &r->src_mask, &r->src_plen))
		return REJECT(extack, tb[NFHP_SNAT_A_SRC],
			      "snat src: host bits set beyond src-plen");
	if (!get_prefix(tb[NFHP_SNAT_A_DST], tb[NFHP_SNAT_A_DST_PLEN],
			&r->dst, &r->dst_mask, &r->dst_plen))
		return REJECT(extack, tb[NFHP_SNAT_A_DST],
			      "snat dst: host bits set beyond dst-plen");
	a = tb[NFHP_SNAT_A_PROTO];
	if (a) {
		if (!proto_ok(NFHP_RULE_SNAT, a, extack))
			return -EINVAL;
		r->proto = nla_get_u8(a);
	}
	a = tb[NFHP_SNAT_A_DPORT_MIN];
	if (a && !r->proto)
		return REJECT(extack, a, "snat dport-min: only with proto");
	if (tb[NFHP_SNAT_A_DPORT_MAX] && !a)
		return REJECT(extack, tb[NFHP_SNAT_A_DPORT_MAX],
			      "snat dport-max: only with dport-min");
	r->dport_min = get_port(a, 0);
	r->dport_max = get_port(tb[NFHP_SNAT_A_DPORT_MAX], r->dport_min);
	if (r->dport_max < r->dport_min)
		return REJECT(extack, tb[NFHP_SNAT_A_DPORT_MAX],
			      "snat dport-max: below dport-min");
	if (match_only)
		return 0;

	if (tb[NFHP_SNAT_A_FLAGS])
		rule->flags = nla_get_u32(tb[NFHP_SNAT_A_FLAGS]);
	a = tb[NFHP_SNAT_A_TO];
	if (rule->flags & NFHP_SNAT_F_MASQUERADE) {
		if (a)
			return REJECT(extack, a,
				      "snat to: not allowed with the masquerade flag");
		return 0;
	}
	if (!a)
		return MISSING(extack, nest, NFHP_SNAT_A_TO,
			       "snat to: missing (or set the masquerade flag)");
	r->to = nla_get_in_addr(a);
	if (!r->to)
		return REJECT(extack, a, "snat to: 0.0.0.0 is not an address");
	return 0;
}

static int put_rstats(struct sk_buff *skb, int type,
		      struct nfhp_rstats __percpu *stats)
{
	struct nfhp_rstats_sum sum;
	struct nlattr *nest;

	nfhp_rstats_read(stats, &sum);
	nest = nla_nest_start(skb, type);
	if (!nest ||
	    nla_put_u64_64bit(skb, NFHP_RSTATS_A_PACKETS, sum.packets,
			      NFHP_RSTATS_A_PAD) ||
	    nla_put_u64_64bit(skb, NFHP_RSTATS_A_BYTES, sum.bytes,
			      NFHP_RSTATS_A_PAD) ||
	    nla_put_u64_64bit(skb, NFHP_RSTATS_A_CONNS, sum.conns,
			      NFHP_RSTATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_port(struct sk_buff *skb, int type, u16 port)
{
	return nla_put_be16(skb, type, htons(port));
}

/* An interface name, unless it is "" (any). */
static int put_ifname(struct sk_buff *skb, int type, const char *name)
{
	return name[0] ? nla_put_string(skb, type, name) : 0;
}

/* A prefix, unless its length is 0 (any). */
static int put_prefix(struct sk_buff *skb, int addr_type, int plen_type,
		      __be32 addr, u8 plen)
{
	return plen ? nla_put_in_addr(skb, addr_type, addr) ||
		      nla_put_u8(skb, plen_type, plen) : 0;
}

/* The attributes of a rule's nest after its id, in the uapi enums' order. */
static int dnat_fill(struct sk_buff *skb, const struct nfhp_rule *rule)
{
	const struct nfhp_dnat_rule *r = nfhp_dnat(rule);

	return put_ifname(skb, NFHP_DNAT_A_IIF, r->iif) ||
	       put_prefix(skb, NFHP_DNAT_A_SRC, NFHP_DNAT_A_SRC_PLEN, r->src,
			  r->src_plen) ||
	       (!(rule->flags & NFHP_DNAT_F_LOCAL) &&
		nla_put_in_addr(skb, NFHP_DNAT_A_DST, r->dst)) ||
	       nla_put_u8(skb, NFHP_DNAT_A_PROTO, r->proto) ||
	       put_port(skb, NFHP_DNAT_A_DPORT_MIN, r->dport_min) ||
	       put_port(skb, NFHP_DNAT_A_DPORT_MAX, r->dport_max) ||
	       nla_put_in_addr(skb, NFHP_DNAT_A_TO, r->to) ||
	       (r->to_port_min &&
		(put_port(skb, NFHP_DNAT_A_TO_PORT_MIN, r->to_port_min) ||
		 put_port(skb, NFHP_DNAT_A_TO_PORT_MAX, r->to_port_max))) ||
	       nla_put_u32(skb, NFHP_DNAT_A_FLAGS, rule->flags) ||
	       put_rstats(skb, NFHP_DNAT_A_STATS, rule->stats);
}

static int snat_fill(struct sk_buff *skb, const struct nfhp_rule *rule)
{
	const struct nfhp_snat_rule *r = nfhp_snat(rule);

	return put_ifname(skb, NFHP_SNAT_A_OIF, r->oif) ||
	       put_prefix(skb, NFHP_SNAT_A_SRC, NFHP_SNAT_A_SRC_PLEN, r->src,
			  r->src_plen) ||
	       put_prefix(skb, NFHP_SNAT_A_DST, NFHP_SNAT_A_DST_PLEN, r->dst,
			  r->dst_plen) ||
	       (r->proto && nla_put_u8(skb, NFHP_SNAT_A_PROTO, r->proto)) ||
	       (r->dport_min &&
		(put_port(skb, NFHP_SNAT_A_DPORT_MIN, r->dport_min) ||
		 put_port(skb, NFHP_SNAT_A_DPORT_MAX, r->dport_max))) ||
	       (!(rule->flags & NFHP_SNAT_F_MASQUERADE) &&
		nla_put_in_addr(skb, NFHP_SNAT_A_TO, r->to)) ||
	       nla_put_u32(skb, NFHP_SNAT_A_FLAGS, rule->flags) ||
	       put_rstats(skb, NFHP_SNAT_A_STATS, rule->stats);
}

/* What differs between DNAT and SNAT rules on the wire. */
struct rule_kind {
	enum nfhp_rule_kind	kind;
	int			nest;		/* NFHP_A_DNAT, NFHP_A_SNAT */
	int			maxtype;
	u8			add_cmd, del_cmd, dump_cmd;
	/* @r from the nest's attributes @tb; @match_only: for a delete */
	int (*from_attrs)(struct nfhp_rule *r, struct nlattr **tb,
			  const struct nlattr *nest, bool match_only,
			  struct netlink_ext_ack *extack);
	/* the nest's attributes after the id; non-zero: no room */
	int (*fill)(struct sk_buff *skb, const struct nfhp_rule *r);
	const char		*no_nest;	/* the request has no nest */
	const char		*id_given;	/* an id in an ADD */
};

static const struct rule_kind rule_kinds[NFHP_RULE_KINDS] = {
	{ NFHP_RULE_DNAT, NFHP_A_DNAT, NFHP_DNAT_A_MAX,
	  NFHP_CMD_DNAT_ADD, NFHP_CMD_DNAT_DEL, NFHP_CMD_DNAT_GET,
	  dnat_from_attrs, dnat_fill, "dnat: the NFHP_A_DNAT nest is missing",
	  "dnat id: assigned by the kernel, only for delete" },
	{ NFHP_RULE_SNAT, NFHP_A_SNAT, NFHP_SNAT_A_MAX,
	  NFHP_CMD_SNAT_ADD, NFHP_CMD_SNAT_DEL, NFHP_CMD_SNAT_GET,
	  snat_from_attrs, snat_fill, "snat: the NFHP_A_SNAT nest is missing",
	  "snat id: assigned by the kernel, only for delete" },
};

/* The kind of rule a command is about. */
static const struct rule_kind *rule_kind(u8 cmd)
{
	const struct rule_kind *k = &rule_kinds[NFHP_RULE_SNAT];

	if (cmd == k->add_cmd || cmd == k->del_cmd || cmd == k->dump_cmd)
		return k;
	return &rule_kinds[NFHP_RULE_DNAT];
}

/* A new rule of kind @k from @nest, or an ERR_PTR (extack set). */
static struct nfhp_rule *rule_parse(const struct rule_kind *k,
				    const struct nlattr *nest,
				    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[RULE_A_MAX + 1];
	struct nfhp_rule *r;
	int err;

	err = parse_nest(tb, k->maxtype, nest, rule_policy[k->kind],
			 rule_errs[k->kind], extack);
	if (err)
		return ERR_PTR(err);
	if (tb[RULE_A_ID]) {
		NL_SET_BAD_ATTR(extack, tb[RULE_A_ID]);
		set_err_msg(extack, k->id_given);
		return ERR_PTR(-EINVAL);
	}
	r = nfhp_rule_alloc(k->kind);
	if (!r)
		return ERR_PTR(-ENOMEM);
	err = k->from_attrs(r, tb, nest, false, extack);
	if (err) {
		nfhp_rule_put(r);
		return ERR_PTR(err);
	}
	return r;
}

/* The nest of rule @r. */
static int rule_fill(struct sk_buff *skb, const struct rule_kind *k,
		     const struct nfhp_rule *r)
{
	struct nlattr *nest = nla_nest_start(skb, k->nest);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, RULE_A_ID, r->id) || k->fill(skb, r)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The answer to an ADD: the rule as stored.  Never fails once allocated. */
static int reply_rule(struct sk_buff *msg, struct genl_info *info,
		      const struct rule_kind *k, const struct nfhp_rule *r)
{
	void *hdr = genlmsg_put_reply(msg, info, &nfhp_genl_family, 0,
				      k->add_cmd);

	if (!hdr || rule_fill(msg, k, r)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * Publish @rs, a set nfhp_rules_prepare_*() made (an ERR_PTR is returned
 * as it is).  The namespace gets its hooks with its first rule, before the
 * set that has it is published: a failure changes nothing.  Under hn->lock.
 */
static int rules_commit(struct nfhp_net *hn, struct nfhp_rules *rs,
			struct netlink_ext_ack *extack)
{
	int err;

	if (IS_ERR(rs))
		return PTR_ERR(rs);
	if (!nfhp_rules_empty(rs)) {
		err = nfhp_hooks_enable(hn);
		if (err) {
			nfhp_rules_abort(rs);
			NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
			return err;
		}
	}
	nfhp_rules_publish(hn, rs);
	return 0;
}

static struct nfhp_net *info_hn(struct genl_info *info)
{
	return nfhp_pernet(genl_info_net(info));
}

/* The request's nest of kind @k, or NULL (extack set). */
static struct nlattr *rule_nest(struct genl_info *info,
				const struct rule_kind *k)
{
	if (GENL_REQ_ATTR_CHECK(info, k->nest)) {
		set_err_msg(info->extack, k->no_nest);
		return NULL;
	}
	return info->attrs[k->nest];
}

static int rule_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	const struct rule_kind *k = rule_kind(info->genlhdr->cmd);
	const struct nlattr *nest = rule_nest(info, k);
	struct nfhp_net *hn = info_hn(info);
	struct nfhp_rule *r;
	struct sk_buff *msg;
	int err;

	if (!nest)
		return -EINVAL;
	r = rule_parse(k, nest, info->extack);
	if (IS_ERR(r))
		return PTR_ERR(r);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		nfhp_rule_put(r);
		return -ENOMEM;
	}
	mutex_lock(&hn->lock);
	err = rules_commit(hn, nfhp_rules_prepare_add(hn, k->kind, r,
						      info->extack),
			   info->extack);
	mutex_unlock(&hn->lock);
	if (err)
		nlmsg_free(msg);
	else
		err = reply_rule(msg, info, k, r);
	nfhp_rule_put(r);
	return err;
}

static int rule_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	const struct rule_kind *k = rule_kind(info->genlhdr->cmd);
	struct nlattr *tb[RULE_A_MAX + 1], *nest;
	struct nfhp_net *hn = info_hn(info);
	union nfhp_any_rule match = {};
	u32 id = 0;
	int err;

	nest = rule_nest(info, k);
	if (!nest)
		return -EINVAL;
	err = parse_nest(tb, k->maxtype, nest, rule_policy[k->kind],
			 rule_errs[k->kind], info->extack);
	if (err)
		return err;
	if (tb[RULE_A_ID]) {
		if (!only(tb, k->maxtype, RULE_A_ID, info->extack))
			return -EINVAL;
		id = nla_get_u32(tb[RULE_A_ID]);
	} else {
		err = k->from_attrs(&match.core, tb, nest, true, info->extack);
		if (err)
			return err;
	}
	mutex_lock(&hn->lock);
	err = rules_commit(hn, nfhp_rules_prepare_del(hn, k->kind, id,
						      &match.core, info->extack),
			   info->extack);
	mutex_unlock(&hn->lock);
	return err;
}

/* The header of one message of a dump of @cmd. */
static void *dump_put(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, &nfhp_genl_family,
				NLM_F_MULTI, cmd);

	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

/* End the message at @hdr, or take it back if filling it failed (@err). */
static int msg_end(struct sk_buff *skb, void *hdr, int err)
{
	if (err)
		genlmsg_cancel(skb, hdr);
	else
		genlmsg_end(skb, hdr);
	return err;
}

/* One message per rule, in id order, from the first id above cb->args[0]. */
/*
 * The rules of kind @k from the one after id cb->args[0] on, under RCU;
 * whether they all fit.  A set published since the dump began makes the
 * next message NLM_F_DUMP_INTR (genl_dump_check_consistent()).
 */
static bool rule_dump_kind(struct sk_buff *skb, struct netlink_callback *cb,
			   const struct nfhp_rules *rs,
			   const struct rule_kind *k)
{
	const struct nfhp_rule *r;
	void *hdr;

	while ((r = nfhp_rules_next(rs, k->kind, cb->args[0]))) {
		hdr = dump_put(skb, cb, k->dump_cmd);
		if (!hdr || msg_end(skb, hdr, rule_fill(skb, k, r)))
			return false;
		cb->args[0] = r->id;
	}
	return true;
}

static int rule_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct rule_kind *k = rule_kind(genl_dumpit_info(cb)->op.cmd);
	struct nfhp_net *hn = nfhp_pernet(sock_net(skb->sk));
	const struct nfhp_rules *rs;

	rcu_read_lock();
	rs = nfhp_rules_rcu(hn);
	cb->seq = nfhp_rules_gen(rs);
	rule_dump_kind(skb, cb, rs, k);
	rcu_read_unlock();
	return skb->len;
}

/*
 * NFHP_CMD_RULES_GET: the whole set in one dump, port forwards then SNAT
 * rules (cb->args[1]: which), so that `hairpin save' is one set, never
 * half of one and half of the next.
 */
static int rules_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nfhp_net *hn = nfhp_pernet(sock_net(skb->sk));
	const struct nfhp_rules *rs;

	rcu_read_lock();
	rs = nfhp_rules_rcu(hn);
	cb->seq = nfhp_rules_gen(rs);
	if (!cb->args[1] &&
	    rule_dump_kind(skb, cb, rs, &rule_kinds[NFHP_RULE_DNAT])) {
		cb->args[1] = 1;
		cb->args[0] = 0;
	}
	if (cb->args[1])
		rule_dump_kind(skb, cb, rs, &rule_kinds[NFHP_RULE_SNAT]);
	rcu_read_unlock();
	return skb->len;
}

/*
 * Validate and count (@v NULL) or parse the rules of every NFHP_A_RULES
 * nest of the request, in order, by kind.  A nest holds at most 64 KiB,
 * so a big set comes in several.
 */
static int replace_walk(struct genl_info *info, struct nfhp_rule ***v,
			const struct nlattr ***nests, u32 *n)
{
	const struct nlattr *top, *a;
	int rem, rem2, err;

	nla_for_each_attr(top, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(top) != NFHP_A_RULES)
			continue;
		if (!v) {
			err = parse_nest(NULL, NFHP_A_MAX, top, rules_policy,
					 rules_errs, info->extack);
			if (err)
				return err;
		}
		nla_for_each_nested(a, top, rem2) {
			int kind = nla_type(a) == NFHP_A_DNAT ? NFHP_RULE_DNAT :
								NFHP_RULE_SNAT;
			struct nfhp_rule *r;

			if (!v) {
				n[kind]++;
				continue;
			}
			r = rule_parse(&rule_kinds[kind], a, info->extack);
			if (IS_ERR(r))
				return PTR_ERR(r);
			nests[kind][n[kind]] = a;
			v[kind][n[kind]++] = r;
			cond_resched();
		}
	}
	return 0;
}

static int replace_doit(struct sk_buff *skb, struct genl_info *info)
{
	u32 n[NFHP_RULE_KINDS] = {}, max[NFHP_RULE_KINDS] = {}, i;
	const struct nlattr **nests[NFHP_RULE_KINDS] = {};
	struct nfhp_rule **v[NFHP_RULE_KINDS] = {};
	struct netlink_ext_ack *extack = info->extack;
	struct nfhp_net *hn = info_hn(info);
	int err, k, bad[NFHP_RULE_KINDS];

	if (!info->attrs[NFHP_A_RULES])
		return MISSING(extack, NULL, NFHP_A_RULES,
			       "replace: the NFHP_A_RULES nest is missing");
	err = replace_walk(info, NULL, NULL, max);
	if (err)
		return err;
	if (max[NFHP_RULE_DNAT] > READ_ONCE(hn->cfg.rules_max) ||
	    max[NFHP_RULE_SNAT] > READ_ONCE(hn->cfg.rules_max)) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[NFHP_A_RULES],
				    "rules: more rules than rules-max");
		return -ENOSPC;
	}
	err = -ENOMEM;
	for (k = 0; k < NFHP_RULE_KINDS; k++) {
		v[k] = kvmalloc_array(max[k], sizeof(*v[k]), GFP_KERNEL);
		nests[k] = kvmalloc_array(max[k], sizeof(*nests[k]),
					  GFP_KERNEL);
		if (max[k] && (!v[k] || !nests[k]))
			goto out;
	}
	err = replace_walk(info, v, nests, n);
	if (err)
		goto out;
	mutex_lock(&hn->lock);
	err = rules_commit(hn, nfhp_rules_prepare_replace(hn, v, n, bad,
							  extack),
			   extack);
	mutex_unlock(&hn->lock);
	for (k = 0; k < NFHP_RULE_KINDS; k++) {
		if (bad[k] >= 0) {
			NL_SET_BAD_ATTR(extack, nests[k][bad[k]]);
			break;
		}
	}
out:
	for (k = 0; k < NFHP_RULE_KINDS; k++) {
		for (i = 0; i < n[k]; i++)
			nfhp_rule_put(v[k][i]);
		kvfree(v[k]);
		kvfree(nests[k]);
	}
	return err;
}

static int flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nfhp_net *hn = info_hn(info);
	int err;

	mutex_lock(&hn->lock);
	err = rules_commit(hn, nfhp_rules_prepare_flush(hn), info->extack);
	mutex_unlock(&hn->lock);
	return err;
}

static int conn_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	nfhp_conn_flush(info_hn(info));
	return 0;
}

static int put_tuple(struct sk_buff *skb, int type, const struct nfhp_tuple *t)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in_addr(skb, NFHP_TUPLE_A_SRC, t->src) ||
	    nla_put_be16(skb, NFHP_TUPLE_A_SPORT, t->sport) ||
	    nla_put_in_addr(skb, NFHP_TUPLE_A_DST, t->dst) ||
	    nla_put_be16(skb, NFHP_TUPLE_A_DPORT, t->dport)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The NFHP_A_CONN nest of @c (dumps and events). */
static int conn_fill(struct sk_buff *skb, const struct nfhp_conn *c)
{
	struct nlattr *nest = nla_nest_start(skb, NFHP_A_CONN);
	s32 left = (s32)(READ_ONCE(c->timeout) - (u32)jiffies);

	if (!nest)
		return -EMSGSIZE;
	if (left < 0)
		left = 0;
	if (nla_put_u8(skb, NFHP_CONN_A_PROTO, c->proto) ||
	    nla_put_u8(skb, NFHP_CONN_A_STATE, READ_ONCE(c->state)) ||
	    nla_put_u32(skb, NFHP_CONN_A_TIMEOUT,
			DIV_ROUND_UP((u32)left, HZ)) ||
	    put_tuple(skb, NFHP_CONN_A_ORIG, &c->th[NFHP_DIR_ORIG].t) ||
	    put_tuple(skb, NFHP_CONN_A_REPLY, &c->th[NFHP_DIR_REPLY].t) ||
	    (c->dnat && nla_put_u32(skb, NFHP_CONN_A_DNAT_ID, c->dnat->core.id)) ||
	    (c->snat && nla_put_u32(skb, NFHP_CONN_A_SNAT_ID, c->snat->core.id)) ||
	    nla_put_u32(skb, NFHP_CONN_A_FLAGS,
			READ_ONCE(c->flags) & NFHP_CONN_F_UAPI)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

struct conn_dump {
	struct sk_buff		*skb;
	struct netlink_callback	*cb;
};

static int conn_dump_one(const struct nfhp_conn *c, void *arg)
{
	const struct conn_dump *d = arg;
	void *hdr = dump_put(d->skb, d->cb, NFHP_CMD_CONN_GET);

	if (!hdr)
		return -EMSGSIZE;
	return msg_end(d->skb, hdr, conn_fill(d->skb, c));
}

static_assert(sizeof(struct nfhp_conn_cursor) <=
	      sizeof_field(struct netlink_callback, ctx));

/*
 * One message per connection, resuming after the last one sent (the
 * cursor lives in cb->ctx).  A flush marks the dump inconsistent.
 */
static int conn_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nfhp_net *hn = nfhp_pernet(sock_net(skb->sk));
	struct conn_dump d = { .skb = skb, .cb = cb };

	cb->seq = nfhp_conn_gen(hn) + 1;
	nfhp_conn_walk(hn, (struct nfhp_conn_cursor *)cb->ctx, conn_dump_one,
		       &d);
	return skb->len;
}

/* Counters by attribute. */
static const u8 stats_attr[__NFHP_STAT_MAX] = {
	[NFHP_STAT_XLATE_ORIG]		= NFHP_STATS_A_XLATE_ORIG,
	[NFHP_STAT_XLATE_REPLY]		= NFHP_STATS_A_XLATE_REPLY,
	[NFHP_STAT_XLATE_ICMP]		= NFHP_STATS_A_XLATE_ICMP,
	[NFHP_STAT_CONN_CREATED]	= NFHP_STATS_A_CONN_CREATED,
	[NFHP_STAT_CONN_EXPIRED]	= NFHP_STATS_A_CONN_EXPIRED,
	[NFHP_STAT_LOOKUP_MISS]		= NFHP_STATS_A_LOOKUP_MISS,
	[NFHP_STAT_DROP_TABLE_FULL]	= NFHP_STATS_A_DROP_TABLE_FULL,
	[NFHP_STAT_DROP_NO_PORT]	= NFHP_STATS_A_DROP_NO_PORT,
	[NFHP_STAT_MALFORMED]		= NFHP_STATS_A_MALFORMED,
	[NFHP_STAT_CLASH]		= NFHP_STATS_A_CLASH,
	[NFHP_STAT_TCP_OUT_OF_WINDOW]	= NFHP_STATS_A_TCP_OUT_OF_WINDOW,
	[NFHP_STAT_EVICTED]		= NFHP_STATS_A_EVICTED,
	[NFHP_STAT_DROP_NOMEM]		= NFHP_STATS_A_DROP_NOMEM,
	[NFHP_STAT_CT_DROP]		= NFHP_STATS_A_CT_DROP,
	[NFHP_STAT_DROP_PROTO]		= NFHP_STATS_A_DROP_PROTO,
	[NFHP_STAT_TCP_PICKUP]		= NFHP_STATS_A_TCP_PICKUP,
	[NFHP_STAT_ADDR_GONE]		= NFHP_STATS_A_ADDR_GONE,
	[NFHP_STAT_CLASH_REMAP]		= NFHP_STATS_A_CLASH_REMAP,
	[NFHP_STAT_DROP_ICMP_CSUM]	= NFHP_STATS_A_DROP_ICMP_CSUM,
	[NFHP_STAT_MAP_HAIRPIN]		= NFHP_STATS_A_MAP_HAIRPIN,
	[NFHP_STAT_MAP_IN]		= NFHP_STATS_A_MAP_IN,
	[NFHP_STAT_MAP_FILTERED]	= NFHP_STATS_A_MAP_FILTERED,
};

/* Sum of one counter over all CPUs. */
static u64 stat_read(const struct nfhp_net *hn, enum nfhp_stat s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct nfhp_stats *st = per_cpu_ptr(hn->stats, cpu);
		unsigned int start;
		u64 v;

		do {
			start = u64_stats_fetch_begin(&st->syncp);
			v = u64_stats_read(&st->cnt[s]);
		} while (u64_stats_fetch_retry(&st->syncp, start));
		sum += v;
	}
	return sum;
}

static int stats_fill(struct sk_buff *msg, struct nfhp_net *hn)
{
	struct nlattr *nest = nla_nest_start(msg, NFHP_A_STATS);
	int i;

	if (!nest || nla_put_u64_64bit(msg, NFHP_STATS_A_CONNS,
				       nfhp_conn_count(hn), NFHP_STATS_A_PAD))
		return -EMSGSIZE;
	for (i = 0; i < __NFHP_STAT_MAX; i++)
		if (nla_put_u64_64bit(msg, stats_attr[i], stat_read(hn, i),
				      NFHP_STATS_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int config_fill(struct sk_buff *msg, struct nfhp_net *hn)
{
	struct nlattr *nest = nla_nest_start(msg, NFHP_A_CONFIG);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = NFHP_CFG_A_UNSPEC + 1; i <= NFHP_CFG_A_MAX; i++) {
		const unsigned long *t = (void *)&hn->cfg + cfg_timeouts[i];

		if (cfg_is_timeout(i) && nla_put_u32(msg, i, READ_ONCE(*t) / HZ))
			return -EMSGSIZE;
	}
	if (nla_put_u32(msg, NFHP_CFG_A_CONN_MAX, READ_ONCE(hn->cfg.conn_max)) ||
	    nla_put_u32(msg, NFHP_CFG_A_RULES_MAX,
			READ_ONCE(hn->cfg.rules_max)) ||
	    nla_put_u32(msg, NFHP_CFG_A_FILTERING,
			READ_ONCE(hn->cfg.filtering)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Answer with one nest made by @fill. */
static int reply_with(struct genl_info *info, u8 cmd,
		      int (*fill)(struct sk_buff *msg, struct nfhp_net *hn))
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nfhp_genl_family, 0, cmd);
	if (!hdr || fill(msg, info_hn(info))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return reply_with(info, NFHP_CMD_STATS_GET, stats_fill);
}

static int config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return reply_with(info, NFHP_CMD_CONFIG_GET, config_fill);
}

/* Setting @type of @cfg in its attribute's unit (seconds, or a count). */
static u32 cfg_get(const struct nfhp_cfg *cfg, int type)
{
	if (type == NFHP_CFG_A_CONN_MAX)
		return READ_ONCE(cfg->conn_max);
	if (type == NFHP_CFG_A_RULES_MAX)
		return READ_ONCE(cfg->rules_max);
	/* A setting added without its place here: a ceiling of 0 refuses it. */
	if (WARN_ON_ONCE(!cfg_is_timeout(type)))
		return 0;
	return READ_ONCE(*(const unsigned long *)((const void *)cfg +
						   cfg_timeouts[type])) / HZ;
}

#define ABOVE_HOST(name)						\
	"config " name ": above the initial namespace's value; raising it "	\
	"needs CAP_NET_ADMIN in the initial user namespace"

static const char * const cfg_host_errs[NFHP_CFG_A_MAX + 1] = {
	[NFHP_CFG_A_TCP_ESTABLISHED]	= ABOVE_HOST("tcp-established"),
	[NFHP_CFG_A_TCP_TRANSITORY]	= ABOVE_HOST("tcp-transitory"),
	[NFHP_CFG_A_TCP_TIME_WAIT]	= ABOVE_HOST("tcp-time-wait"),
	[NFHP_CFG_A_UDP]		= ABOVE_HOST("udp"),
	[NFHP_CFG_A_ICMP]		= ABOVE_HOST("icmp"),
	[NFHP_CFG_A_CONN_MAX]		= ABOVE_HOST("conn-max"),
	[NFHP_CFG_A_RULES_MAX]		= ABOVE_HOST("rules-max"),
	[NFHP_CFG_A_UDP_UNREPLIED]	= ABOVE_HOST("udp-unreplied"),
	[NFHP_CFG_A_TCP_SYN]		= ABOVE_HOST("tcp-syn"),
};

/*
 * The initial namespace's settings are every other namespace's ceiling (a
 * new one starts with them, main.c): lowering a limit or a timeout is the
 * namespace admin's business, raising one above the host's takes
 * CAP_NET_ADMIN over the initial user namespace, as nf_conntrack_max is
 * read-only outside it.  Otherwise any local user, admin of a user and
 * network namespace of its own, could make the kernel keep millions of
 * connections, or keep them for weeks.
 */
static int cfg_check_ceiling(struct sk_buff *skb, struct nlattr **tb,
			     struct nfhp_net *hn,
			     struct netlink_ext_ack *extack)
{
	const struct nfhp_cfg *host = &nfhp_pernet(&init_net)->cfg;
	int i;

	if (net_eq(hn->net, &init_net) || netlink_capable(skb, CAP_NET_ADMIN))
		return 0;
	for (i = NFHP_CFG_A_UNSPEC + 1; i <= NFHP_CFG_A_MAX; i++) {
		/* a behaviour, not a resource: the namespace's own business */
		if (i == NFHP_CFG_A_FILTERING)
			continue;
		if (!tb[i] || nla_get_u32(tb[i]) <= cfg_get(host, i))
			continue;
		NL_SET_BAD_ATTR(extack, tb[i]);
		set_err_msg(extack, cfg_host_errs[i] ?:
			    ABOVE_HOST("setting"));
		return -EPERM;
	}
	return 0;
}

static int config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NFHP_CFG_A_MAX + 1];
	struct nfhp_net *hn = info_hn(info);
	int err, i;

	if (!info->attrs[NFHP_A_CONFIG])
		return MISSING(info->extack, NULL, NFHP_A_CONFIG,
			       "config: the NFHP_A_CONFIG nest is missing");
	err = parse_nest(tb, NFHP_CFG_A_MAX, info->attrs[NFHP_A_CONFIG],
			 cfg_policy, cfg_errs, info->extack);
	if (err)
		return err;
	err = cfg_check_ceiling(skb, tb, hn, info->extack);
	if (err)
		return err;
	mutex_lock(&hn->lock);
	for (i = NFHP_CFG_A_UNSPEC + 1; i <= NFHP_CFG_A_MAX; i++) {
		unsigned long *t = (void *)&hn->cfg + cfg_timeouts[i];

		if (tb[i] && cfg_is_timeout(i))
			WRITE_ONCE(*t, (unsigned long)nla_get_u32(tb[i]) * HZ);
	}
	if (tb[NFHP_CFG_A_CONN_MAX])
		WRITE_ONCE(hn->cfg.conn_max,
			   nla_get_u32(tb[NFHP_CFG_A_CONN_MAX]));
	if (tb[NFHP_CFG_A_RULES_MAX])
		WRITE_ONCE(hn->cfg.rules_max,
			   nla_get_u32(tb[NFHP_CFG_A_RULES_MAX]));
	if (tb[NFHP_CFG_A_FILTERING])
		WRITE_ONCE(hn->cfg.filtering,
			   nla_get_u32(tb[NFHP_CFG_A_FILTERING]));
	mutex_unlock(&hn->lock);
	return 0;
}

static int explain_fill(struct sk_buff *msg, const struct nfhp_explain *e)
{
	struct nlattr *nest = nla_nest_start(msg, NFHP_A_EXPLAIN);

	if (!nest ||
	    nla_put_u32(msg, NFHP_EXPLAIN_A_VERDICT, e->verdict) ||
	    nla_put_u32(msg, NFHP_EXPLAIN_A_SNAT, e->snat) ||
	    (e->oif[0] && nla_put_string(msg, NFHP_EXPLAIN_A_OIF, e->oif)) ||
	    (e->gw && nla_put_in_addr(msg, NFHP_EXPLAIN_A_GATEWAY, e->gw)) ||
	    nla_put_u8(msg, NFHP_EXPLAIN_A_RTYPE, e->rtype) ||
	    (e->route_err &&
	     nla_put_u32(msg, NFHP_EXPLAIN_A_ROUTE_ERR, e->route_err)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	if (e->c.flags & (NFHP_CONN_F_DNAT | NFHP_CONN_F_SNAT))
		return conn_fill(msg, &e->c);
	return 0;
}

/* NFHP_CMD_EXPLAIN: what the first packet would meet (hooks.c). */
static int explain_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NFHP_EXPLAIN_A_MAX + 1];
	struct net_device *in = NULL;
	struct nlattr *nest = info->attrs[NFHP_A_EXPLAIN];
	struct nfhp_explain *e;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!nest)
		return MISSING(info->extack, NULL, NFHP_A_EXPLAIN,
			       "explain: the NFHP_A_EXPLAIN nest is missing");
	err = parse_nest(tb, NFHP_EXPLAIN_A_MAX, nest, explain_policy,
			 explain_errs, info->extack);
	if (err)
		return err;
	if (!tb[NFHP_EXPLAIN_A_PROTO])
		return MISSING(info->extack, nest, NFHP_EXPLAIN_A_PROTO,
			       "explain: proto is missing");
	if (!tb[NFHP_EXPLAIN_A_SRC])
		return MISSING(info->extack, nest, NFHP_EXPLAIN_A_SRC,
			       "explain: src is missing");
	if (!tb[NFHP_EXPLAIN_A_DST])
		return MISSING(info->extack, nest, NFHP_EXPLAIN_A_DST,
			       "explain: dst is missing");
	if (!tb[NFHP_EXPLAIN_A_DPORT])
		return MISSING(info->extack, nest, NFHP_EXPLAIN_A_DPORT,
			       "explain: dport is missing");
	if (tb[NFHP_EXPLAIN_A_IIF]) {
		in = dev_get_by_name(genl_info_net(info),
				     nla_data(tb[NFHP_EXPLAIN_A_IIF]));
		if (!in)
			return REJECT(info->extack, tb[NFHP_EXPLAIN_A_IIF],
				      "explain iif: no such interface");
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	err = -ENOMEM;
	if (!e || !msg)
		goto out;
	e->in = in;
	e->proto = nla_get_u8(tb[NFHP_EXPLAIN_A_PROTO]);
	e->t.src = nla_get_in_addr(tb[NFHP_EXPLAIN_A_SRC]);
	e->t.dst = nla_get_in_addr(tb[NFHP_EXPLAIN_A_DST]);
	e->t.dport = nla_get_be16(tb[NFHP_EXPLAIN_A_DPORT]);
	e->t.sport = tb[NFHP_EXPLAIN_A_SPORT] ?
		     nla_get_be16(tb[NFHP_EXPLAIN_A_SPORT]) : htons(40000);
	nfhp_explain(info_hn(info), e);
	hdr = genlmsg_put_reply(msg, info, &nfhp_genl_family, 0,
				NFHP_CMD_EXPLAIN);
	err = -EMSGSIZE;
	if (hdr && !explain_fill(msg, e)) {
		genlmsg_end(msg, hdr);
		err = genlmsg_reply(msg, info);
		msg = NULL;
	}
	nfhp_explain_done(e);
out:
	nlmsg_free(msg);
	kfree(e);
	dev_put(in);
	return err;
}

#define NFHP_DO(_cmd, _doit, _policy) {					\
	.cmd = (_cmd), .doit = (_doit), .flags = GENL_UNS_ADMIN_PERM,	\
	.policy = (_policy), .maxattr = NFHP_A_MAX,			\
}

#define NFHP_DUMP(_cmd, _dumpit) {					\
	.cmd = (_cmd), .dumpit = (_dumpit), .flags = GENL_UNS_ADMIN_PERM, \
}

static const struct genl_ops nfhp_genl_ops[] = {
	NFHP_DO(NFHP_CMD_DNAT_ADD, rule_add_doit, dnat_req_policy),
	NFHP_DO(NFHP_CMD_DNAT_DEL, rule_del_doit, dnat_req_policy),
	NFHP_DUMP(NFHP_CMD_DNAT_GET, rule_dumpit),
	NFHP_DO(NFHP_CMD_SNAT_ADD, rule_add_doit, snat_req_policy),
	NFHP_DO(NFHP_CMD_SNAT_DEL, rule_del_doit, snat_req_policy),
	NFHP_DUMP(NFHP_CMD_SNAT_GET, rule_dumpit),
	NFHP_DO(NFHP_CMD_REPLACE, replace_doit, replace_req_policy),
	NFHP_DO(NFHP_CMD_FLUSH, flush_doit, NULL),
	NFHP_DUMP(NFHP_CMD_CONN_GET, conn_dumpit),
	NFHP_DO(NFHP_CMD_CONN_FLUSH, conn_flush_doit, NULL),
	NFHP_DO(NFHP_CMD_STATS_GET, stats_get_doit, NULL),
	NFHP_DO(NFHP_CMD_CONFIG_GET, config_get_doit, NULL),
	NFHP_DO(NFHP_CMD_CONFIG_SET, config_set_doit, config_req_policy),
	NFHP_DO(NFHP_CMD_EXPLAIN, explain_doit, explain_req_policy),
	NFHP_DUMP(NFHP_CMD_RULES_GET, rules_dumpit),
};

/*
 * The events tell who talks to whom, internal addresses included: only for
 * those who may read the connection table (CAP_NET_ADMIN over the
 * namespace, as every command).  Without the flag, generic netlink lets
 * anyone join a group.  The flag came with 6.7 and its stable backports
 * (Debian 12's 6.1 has it); a kernel without it would leak the events.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "nf_hairpin needs GENL_MCAST_CAP_NET_ADMIN (Linux 6.7, or a 6.1.y with its backport)"
#endif
static const struct genl_multicast_group nfhp_mcgrps[] = {
	[NFHP_MCGRP_EVENTS_IDX] = {
		.name	= NFHP_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family nfhp_genl_family __ro_after_init = {
	.name		= NFHP_GENL_NAME,
	.version	= NFHP_GENL_VERSION,
	.maxattr	= NFHP_A_MAX,
	.netnsok	= true,
	.parallel_ops	= true,
	/* .resv_start_op 0: every command is strictly validated (reserved
	 * header bits, nlmsg_flags, no attributes without a policy).
	 */
	.module		= THIS_MODULE,
	.ops		= nfhp_genl_ops,
	.n_ops		= ARRAY_SIZE(nfhp_genl_ops),
	.mcgrps		= nfhp_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nfhp_mcgrps),
};

/* NFHP_CMD_CONN_NEW or _DESTROY to NFHP_MCGRP_EVENTS, if anyone listens. */
static void conn_event(struct nfhp_net *hn, const struct nfhp_conn *c,
		       enum nfhp_conn_event ev)
{
	u8 cmd = ev == NFHP_CONN_EV_NEW ? NFHP_CMD_CONN_NEW :
					  NFHP_CMD_CONN_DESTROY;
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&nfhp_genl_family, hn->net,
				NFHP_MCGRP_EVENTS_IDX))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &nfhp_genl_family, 0, cmd);
	if (!hdr || conn_fill(skb, c)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&nfhp_genl_family, hn->net, skb, 0,
				NFHP_MCGRP_EVENTS_IDX, GFP_ATOMIC);
}

int __init nfhp_netlink_init(void)
{
	int err;

	rule_tables_init();
	nfhp_conn_set_notify(conn_event);
	err = genl_register_family(&nfhp_genl_family);
	if (err)
		nfhp_conn_set_notify(NULL);
	return err;
}

void nfhp_netlink_exit(void)
{
	/* No event may be on its way once the family is gone. */
	nfhp_conn_set_notify(NULL);
	synchronize_rcu();
	genl_unregister_family(&nfhp_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(NFHP_GENL_NAME);
