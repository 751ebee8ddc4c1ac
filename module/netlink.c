// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin netlink: the generic netlink family NFHP_GENL_NAME, documented
 * command by command in uapi/linux/nf_hairpin.h.
 *
 * Design
 * ------
 * - Every command, the read-only ones included, needs CAP_NET_ADMIN in the
 *   user namespace owning the network namespace (GENL_UNS_ADMIN_PERM) and
 *   acts on the namespace of the sending socket (.netnsok).
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
 *   against the current set and publishes a new set in one step, so a
 *   rejected request changes nothing.
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
#include "netlink.h"

enum { NFHP_MCGRP_EVENTS_IDX };

static struct genl_family nfhp_genl_family;

/*
 * PROTO: a range policy plus proto_ok().  Not NLA_POLICY_VALIDATE_FN: 6.1
 * WARNs when it reports the policy of a rejected integer attribute that
 * has a validation function (nla_get_range_unsigned()).
 */
#define PROTO_POLICY	NLA_POLICY_RANGE(NLA_U8, IPPROTO_TCP, IPPROTO_UDP)

static bool proto_ok(const struct nlattr *attr, struct netlink_ext_ack *extack,
		     const char *msg)
{
	u8 proto = nla_get_u8(attr);

	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP)
		return true;
	NL_SET_BAD_ATTR(extack, attr);
	if (extack)
		extack->_msg = msg;
	return false;
}

#define PORT_POLICY	NLA_POLICY_MIN(NLA_BE16, 1)
#define IFNAME_POLICY	{ .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 }
#define ADDR_POLICY	{ .type = NLA_BE32 }
#define OUTPUT_ONLY	{ .type = NLA_REJECT }

static const struct nla_policy dnat_policy[NFHP_DNAT_A_MAX + 1] = {
	[NFHP_DNAT_A_PAD]		= OUTPUT_ONLY,
	[NFHP_DNAT_A_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[NFHP_DNAT_A_IIF]		= IFNAME_POLICY,
	[NFHP_DNAT_A_SRC]		= ADDR_POLICY,
	[NFHP_DNAT_A_SRC_PLEN]		= NLA_POLICY_MAX(NLA_U8, 32),
	[NFHP_DNAT_A_DST]		= ADDR_POLICY,
	[NFHP_DNAT_A_PROTO]		= PROTO_POLICY,
	[NFHP_DNAT_A_DPORT_MIN]		= PORT_POLICY,
	[NFHP_DNAT_A_DPORT_MAX]		= PORT_POLICY,
	[NFHP_DNAT_A_TO]		= ADDR_POLICY,
	[NFHP_DNAT_A_TO_PORT_MIN]	= PORT_POLICY,
	[NFHP_DNAT_A_TO_PORT_MAX]	= PORT_POLICY,
	[NFHP_DNAT_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32,
							  __NFHP_DNAT_F_ALL),
	[NFHP_DNAT_A_STATS]		= OUTPUT_ONLY,
};

/* What a rejected attribute must be; [0]: an unknown attribute. */
static const char * const dnat_errs[NFHP_DNAT_A_MAX + 1] = {
	[NFHP_DNAT_A_UNSPEC]	  = "dnat: unknown attribute",
	[NFHP_DNAT_A_PAD]	  = "dnat pad: not accepted in requests",
	[NFHP_DNAT_A_ID]	  = "dnat id: must be a u32 >= 1",
	[NFHP_DNAT_A_IIF]	  = "dnat iif: must be a NUL-terminated interface name (at most 15 characters)",
	[NFHP_DNAT_A_SRC]	  = "dnat src: must be a 4-byte IPv4 address",
	[NFHP_DNAT_A_SRC_PLEN]	  = "dnat src-plen: must be a u8 0..32",
	[NFHP_DNAT_A_DST]	  = "dnat dst: must be a 4-byte IPv4 address",
	[NFHP_DNAT_A_PROTO]	  = "dnat proto: must be a u8, tcp (6) or udp (17)",
	[NFHP_DNAT_A_DPORT_MIN]	  = "dnat dport-min: must be a 2-byte port 1..65535",
	[NFHP_DNAT_A_DPORT_MAX]	  = "dnat dport-max: must be a 2-byte port 1..65535",
	[NFHP_DNAT_A_TO]	  = "dnat to: must be a 4-byte IPv4 address",
	[NFHP_DNAT_A_TO_PORT_MIN] = "dnat to-port-min: must be a 2-byte port 1..65535",
	[NFHP_DNAT_A_TO_PORT_MAX] = "dnat to-port-max: must be a 2-byte port 1..65535",
	[NFHP_DNAT_A_FLAGS]	  = "dnat flags: must be a u32 of known flags (local, noreflect, reflect-external)",
	[NFHP_DNAT_A_STATS]	  = "dnat stats: not accepted in requests",
};

static const struct nla_policy snat_policy[NFHP_SNAT_A_MAX + 1] = {
	[NFHP_SNAT_A_PAD]		= OUTPUT_ONLY,
	[NFHP_SNAT_A_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[NFHP_SNAT_A_OIF]		= IFNAME_POLICY,
	[NFHP_SNAT_A_SRC]		= ADDR_POLICY,
	[NFHP_SNAT_A_SRC_PLEN]		= NLA_POLICY_MAX(NLA_U8, 32),
	[NFHP_SNAT_A_DST]		= ADDR_POLICY,
	[NFHP_SNAT_A_DST_PLEN]		= NLA_POLICY_MAX(NLA_U8, 32),
	[NFHP_SNAT_A_PROTO]		= PROTO_POLICY,
	[NFHP_SNAT_A_DPORT_MIN]		= PORT_POLICY,
	[NFHP_SNAT_A_DPORT_MAX]		= PORT_POLICY,
	[NFHP_SNAT_A_TO]		= ADDR_POLICY,
	[NFHP_SNAT_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32,
							  __NFHP_SNAT_F_ALL),
	[NFHP_SNAT_A_STATS]		= OUTPUT_ONLY,
};

static const char * const snat_errs[NFHP_SNAT_A_MAX + 1] = {
	[NFHP_SNAT_A_UNSPEC]	= "snat: unknown attribute",
	[NFHP_SNAT_A_PAD]	= "snat pad: not accepted in requests",
	[NFHP_SNAT_A_ID]	= "snat id: must be a u32 >= 1",
	[NFHP_SNAT_A_OIF]	= "snat oif: must be a NUL-terminated interface name (at most 15 characters)",
	[NFHP_SNAT_A_SRC]	= "snat src: must be a 4-byte IPv4 address",
	[NFHP_SNAT_A_SRC_PLEN]	= "snat src-plen: must be a u8 0..32",
	[NFHP_SNAT_A_DST]	= "snat dst: must be a 4-byte IPv4 address",
	[NFHP_SNAT_A_DST_PLEN]	= "snat dst-plen: must be a u8 0..32",
	[NFHP_SNAT_A_PROTO]	= "snat proto: must be a u8, tcp (6) or udp (17)",
	[NFHP_SNAT_A_DPORT_MIN]	= "snat dport-min: must be a 2-byte port 1..65535",
	[NFHP_SNAT_A_DPORT_MAX]	= "snat dport-max: must be a 2-byte port 1..65535",
	[NFHP_SNAT_A_TO]	= "snat to: must be a 4-byte IPv4 address",
	[NFHP_SNAT_A_FLAGS]	= "snat flags: must be a u32 of known flags (masquerade)",
	[NFHP_SNAT_A_STATS]	= "snat stats: not accepted in requests",
};

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
};

#define TIMEOUT_ERR(name)	\
	"config " name ": must be a u32 number of seconds, 1..INT_MAX/HZ"

static const char * const cfg_errs[NFHP_CFG_A_MAX + 1] = {
	[NFHP_CFG_A_UNSPEC]		= "config: unknown attribute",
	[NFHP_CFG_A_TCP_ESTABLISHED]	= TIMEOUT_ERR("tcp-established"),
	[NFHP_CFG_A_TCP_TRANSITORY]	= TIMEOUT_ERR("tcp-transitory"),
	[NFHP_CFG_A_TCP_TIME_WAIT]	= TIMEOUT_ERR("tcp-time-wait"),
	[NFHP_CFG_A_UDP]		= TIMEOUT_ERR("udp"),
	[NFHP_CFG_A_ICMP]		= TIMEOUT_ERR("icmp"),
	[NFHP_CFG_A_CONN_MAX]		= "config conn-max: must be a u32 >= 1",
	[NFHP_CFG_A_RULES_MAX]		= "config rules-max: must be a u32 1..1048576",
};

/* The timeouts in struct nfhp_cfg (jiffies), attributes TCP_ESTABLISHED
 * to ICMP.
 */
static const size_t cfg_timeouts[NFHP_CFG_A_MAX + 1] = {
	[NFHP_CFG_A_TCP_ESTABLISHED]	= offsetof(struct nfhp_cfg,
						   tcp_established),
	[NFHP_CFG_A_TCP_TRANSITORY]	= offsetof(struct nfhp_cfg,
						   tcp_transitory),
	[NFHP_CFG_A_TCP_TIME_WAIT]	= offsetof(struct nfhp_cfg, tcp_time_wait),
	[NFHP_CFG_A_UDP]		= offsetof(struct nfhp_cfg, udp),
	[NFHP_CFG_A_ICMP]		= offsetof(struct nfhp_cfg, icmp),
};

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
		extack->_msg = errs[type <= maxtype ? type : 0];
	} else if (!bad) {
		extack->bad_attr = nest;
	}
	return err;
}

/* Report the missing attribute @type of @nest. */
static int missing(struct netlink_ext_ack *extack, const struct nlattr *nest,
		   int type, const char *msg)
{
	NL_SET_ERR_ATTR_MISS(extack, nest, type);
	if (extack)
		extack->_msg = msg;
	return -EINVAL;
}

static __be32 plen_mask(u8 plen)
{
	return plen ? htonl(~0U << (32 - plen)) : 0;
}

static u16 get_port(const struct nlattr *attr, u16 dflt)
{
	return attr ? ntohs(nla_get_be16(attr)) : dflt;
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
static int dnat_from_attrs(struct nfhp_dnat_rule *r, struct nlattr **tb,
			   const struct nlattr *nest, bool match_only,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *a;

	if (tb[NFHP_DNAT_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFHP_DNAT_A_ID],
				    "dnat id: assigned by the kernel, only for delete");
		return -EINVAL;
	}
	if (!tb[NFHP_DNAT_A_PROTO])
		return missing(extack, nest, NFHP_DNAT_A_PROTO,
			       "dnat proto: missing");
	if (!tb[NFHP_DNAT_A_DPORT_MIN])
		return missing(extack, nest, NFHP_DNAT_A_DPORT_MIN,
			       "dnat dport-min: missing");
	if (!proto_ok(tb[NFHP_DNAT_A_PROTO], extack,
		      dnat_errs[NFHP_DNAT_A_PROTO]))
		return -EINVAL;
	r->proto = nla_get_u8(tb[NFHP_DNAT_A_PROTO]);
	r->dport_min = get_port(tb[NFHP_DNAT_A_DPORT_MIN], 0);
	r->dport_max = get_port(tb[NFHP_DNAT_A_DPORT_MAX], r->dport_min);
	if (r->dport_max < r->dport_min) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFHP_DNAT_A_DPORT_MAX],
				    "dnat dport-max: below dport-min");
		return -EINVAL;
	}
	if (tb[NFHP_DNAT_A_FLAGS])
		r->flags = nla_get_u32(tb[NFHP_DNAT_A_FLAGS]);
	if (match_only)
		r->flags &= NFHP_DNAT_F_LOCAL;
	if ((r->flags & NFHP_DNAT_F_NOREFLECT) &&
	    (r->flags & NFHP_DNAT_F_REFLECT_EXTERNAL)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFHP_DNAT_A_FLAGS],
				    "dnat flags: noreflect and reflect-external exclude each other");
		return -EINVAL;
	}
	a = tb[NFHP_DNAT_A_DST];
	if (r->flags & NFHP_DNAT_F_LOCAL) {
		if (a) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "dnat dst: not allowed with the local flag");
			return -EINVAL;
		}
	} else if (!a) {
		return missing(extack, nest, NFHP_DNAT_A_DST,
			       "dnat dst: missing (or set the local flag)");
	} else {
		r->dst = nla_get_in_addr(a);
		if (!r->dst) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "dnat dst: 0.0.0.0 is not an address (use the local flag)");
			return -EINVAL;
		}
	}
	if (tb[NFHP_DNAT_A_SRC_PLEN])
		r->src_plen = nla_get_u8(tb[NFHP_DNAT_A_SRC_PLEN]);
	r->src_mask = plen_mask(r->src_plen);
	a = tb[NFHP_DNAT_A_SRC];
	if (a) {
		r->src = nla_get_in_addr(a);
		if (r->src & ~r->src_mask) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "dnat src: host bits set beyond src-plen");
			return -EINVAL;
		}
	}
	a = tb[NFHP_DNAT_A_IIF];
	if (a) {
		nla_strscpy(r->iif, a, IFNAMSIZ);
		if (!r->iif[0]) {
			NL_SET_ERR_MSG_ATTR(extack, a, "dnat iif: empty name");
			return -EINVAL;
		}
	}
	if (match_only)
		return 0;

	a = tb[NFHP_DNAT_A_TO];
	if (!a)
		return missing(extack, nest, NFHP_DNAT_A_TO, "dnat to: missing");
	r->to = nla_get_in_addr(a);
	if (!r->to) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "dnat to: 0.0.0.0 is not an address");
		return -EINVAL;
	}
	a = tb[NFHP_DNAT_A_TO_PORT_MAX];
	if (a && !tb[NFHP_DNAT_A_TO_PORT_MIN]) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "dnat to-port-max: only with to-port-min");
		return -EINVAL;
	}
	r->to_port_min = get_port(tb[NFHP_DNAT_A_TO_PORT_MIN], 0);
	r->to_port_max = get_port(a, r->to_port_min);
	if (r->to_port_max < r->to_port_min) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "dnat to-port-max: below to-port-min");
		return -EINVAL;
	}
	if (r->to_port_max != r->to_port_min &&
	    r->to_port_max - r->to_port_min != r->dport_max - r->dport_min) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "dnat to-port-max: target range must be a single port or as wide as dport-min..dport-max");
		return -EINVAL;
	}
	return 0;
}

static int snat_from_attrs(struct nfhp_snat_rule *r, struct nlattr **tb,
			   const struct nlattr *nest, bool match_only,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *a;

	if (tb[NFHP_SNAT_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFHP_SNAT_A_ID],
				    "snat id: assigned by the kernel, only for delete");
		return -EINVAL;
	}
	a = tb[NFHP_SNAT_A_OIF];
	if (a) {
		nla_strscpy(r->oif, a, IFNAMSIZ);
		if (!r->oif[0]) {
			NL_SET_ERR_MSG_ATTR(extack, a, "snat oif: empty name");
			return -EINVAL;
		}
	}
	if (tb[NFHP_SNAT_A_SRC_PLEN])
		r->src_plen = nla_get_u8(tb[NFHP_SNAT_A_SRC_PLEN]);
	r->src_mask = plen_mask(r->src_plen);
	a = tb[NFHP_SNAT_A_SRC];
	if (a) {
		r->src = nla_get_in_addr(a);
		if (r->src & ~r->src_mask) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "snat src: host bits set beyond src-plen");
			return -EINVAL;
		}
	}
	if (tb[NFHP_SNAT_A_DST_PLEN])
		r->dst_plen = nla_get_u8(tb[NFHP_SNAT_A_DST_PLEN]);
	r->dst_mask = plen_mask(r->dst_plen);
	a = tb[NFHP_SNAT_A_DST];
	if (a) {
		r->dst = nla_get_in_addr(a);
		if (r->dst & ~r->dst_mask) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "snat dst: host bits set beyond dst-plen");
			return -EINVAL;
		}
	}
	a = tb[NFHP_SNAT_A_PROTO];
	if (a) {
		if (!proto_ok(a, extack, snat_errs[NFHP_SNAT_A_PROTO]))
			return -EINVAL;
		r->proto = nla_get_u8(a);
	}
	a = tb[NFHP_SNAT_A_DPORT_MIN];
	if (a && !r->proto) {
		NL_SET_ERR_MSG_ATTR(extack, a, "snat dport-min: only with proto");
		return -EINVAL;
	}
	if (tb[NFHP_SNAT_A_DPORT_MAX] && !a) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFHP_SNAT_A_DPORT_MAX],
				    "snat dport-max: only with dport-min");
		return -EINVAL;
	}
	r->dport_min = get_port(a, 0);
	r->dport_max = get_port(tb[NFHP_SNAT_A_DPORT_MAX], r->dport_min);
	if (r->dport_max < r->dport_min) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFHP_SNAT_A_DPORT_MAX],
				    "snat dport-max: below dport-min");
		return -EINVAL;
	}
	if (match_only)
		return 0;

	if (tb[NFHP_SNAT_A_FLAGS])
		r->flags = nla_get_u32(tb[NFHP_SNAT_A_FLAGS]);
	a = tb[NFHP_SNAT_A_TO];
	if (r->flags & NFHP_SNAT_F_MASQUERADE) {
		if (a) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "snat to: not allowed with the masquerade flag");
			return -EINVAL;
		}
		return 0;
	}
	if (!a)
		return missing(extack, nest, NFHP_SNAT_A_TO,
			       "snat to: missing (or set the masquerade flag)");
	r->to = nla_get_in_addr(a);
	if (!r->to) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "snat to: 0.0.0.0 is not an address");
		return -EINVAL;
	}
	return 0;
}

/* A new DNAT rule from the nest @nest, or an ERR_PTR (extack set). */
static struct nfhp_dnat_rule *dnat_parse(const struct nlattr *nest,
					 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFHP_DNAT_A_MAX + 1];
	struct nfhp_dnat_rule *r;
	int err;

	err = parse_nest(tb, NFHP_DNAT_A_MAX, nest, dnat_policy, dnat_errs,
			 extack);
	if (err)
		return ERR_PTR(err);
	r = nfhp_dnat_alloc();
	if (!r)
		return ERR_PTR(-ENOMEM);
	err = dnat_from_attrs(r, tb, nest, false, extack);
	if (err) {
		nfhp_dnat_put(r);
		return ERR_PTR(err);
	}
	return r;
}

static struct nfhp_snat_rule *snat_parse(const struct nlattr *nest,
					 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFHP_SNAT_A_MAX + 1];
	struct nfhp_snat_rule *r;
	int err;

	err = parse_nest(tb, NFHP_SNAT_A_MAX, nest, snat_policy, snat_errs,
			 extack);
	if (err)
		return ERR_PTR(err);
	r = nfhp_snat_alloc();
	if (!r)
		return ERR_PTR(-ENOMEM);
	err = snat_from_attrs(r, tb, nest, false, extack);
	if (err) {
		nfhp_snat_put(r);
		return ERR_PTR(err);
	}
	return r;
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

static int dnat_fill(struct sk_buff *skb, const struct nfhp_dnat_rule *r)
{
	struct nlattr *nest = nla_nest_start(skb, NFHP_A_DNAT);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NFHP_DNAT_A_ID, r->id) ||
	    (r->iif[0] && nla_put_string(skb, NFHP_DNAT_A_IIF, r->iif)) ||
	    (r->src_plen &&
	     (nla_put_in_addr(skb, NFHP_DNAT_A_SRC, r->src) ||
	      nla_put_u8(skb, NFHP_DNAT_A_SRC_PLEN, r->src_plen))) ||
	    (!(r->flags & NFHP_DNAT_F_LOCAL) &&
	     nla_put_in_addr(skb, NFHP_DNAT_A_DST, r->dst)) ||
	    nla_put_u8(skb, NFHP_DNAT_A_PROTO, r->proto) ||
	    put_port(skb, NFHP_DNAT_A_DPORT_MIN, r->dport_min) ||
	    put_port(skb, NFHP_DNAT_A_DPORT_MAX, r->dport_max) ||
	    nla_put_in_addr(skb, NFHP_DNAT_A_TO, r->to) ||
	    (r->to_port_min &&
	     (put_port(skb, NFHP_DNAT_A_TO_PORT_MIN, r->to_port_min) ||
	      put_port(skb, NFHP_DNAT_A_TO_PORT_MAX, r->to_port_max))) ||
	    nla_put_u32(skb, NFHP_DNAT_A_FLAGS, r->flags) ||
	    put_rstats(skb, NFHP_DNAT_A_STATS, r->stats)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int snat_fill(struct sk_buff *skb, const struct nfhp_snat_rule *r)
{
	struct nlattr *nest = nla_nest_start(skb, NFHP_A_SNAT);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NFHP_SNAT_A_ID, r->id) ||
	    (r->oif[0] && nla_put_string(skb, NFHP_SNAT_A_OIF, r->oif)) ||
	    (r->src_plen &&
	     (nla_put_in_addr(skb, NFHP_SNAT_A_SRC, r->src) ||
	      nla_put_u8(skb, NFHP_SNAT_A_SRC_PLEN, r->src_plen))) ||
	    (r->dst_plen &&
	     (nla_put_in_addr(skb, NFHP_SNAT_A_DST, r->dst) ||
	      nla_put_u8(skb, NFHP_SNAT_A_DST_PLEN, r->dst_plen))) ||
	    (r->proto && nla_put_u8(skb, NFHP_SNAT_A_PROTO, r->proto)) ||
	    (r->dport_min &&
	     (put_port(skb, NFHP_SNAT_A_DPORT_MIN, r->dport_min) ||
	      put_port(skb, NFHP_SNAT_A_DPORT_MAX, r->dport_max))) ||
	    (!(r->flags & NFHP_SNAT_F_MASQUERADE) &&
	     nla_put_in_addr(skb, NFHP_SNAT_A_TO, r->to)) ||
	    nla_put_u32(skb, NFHP_SNAT_A_FLAGS, r->flags) ||
	    put_rstats(skb, NFHP_SNAT_A_STATS, r->stats)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The answer to an ADD: the rule as stored.  Never fails once allocated. */
static int reply_rule(struct sk_buff *msg, struct genl_info *info, u8 cmd,
		      const void *rule, bool snat)
{
	void *hdr = genlmsg_put_reply(msg, info, &nfhp_genl_family, 0, cmd);

	if (!hdr || (snat ? snat_fill(msg, rule) : dnat_fill(msg, rule))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static struct nfhp_net *info_hn(struct genl_info *info)
{
	return nfhp_pernet(genl_info_net(info));
}

static int need(struct genl_info *info, int type, const char *msg)
{
	if (!GENL_REQ_ATTR_CHECK(info, type))
		return 0;
	info->extack->_msg = msg;
	return -EINVAL;
}

static int dnat_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nfhp_net *hn = info_hn(info);
	struct nfhp_dnat_rule *r;
	struct sk_buff *msg;
	int err;

	err = need(info, NFHP_A_DNAT, "dnat: the NFHP_A_DNAT nest is missing");
	if (err)
		return err;
	r = dnat_parse(info->attrs[NFHP_A_DNAT], info->extack);
	if (IS_ERR(r))
		return PTR_ERR(r);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		nfhp_dnat_put(r);
		return -ENOMEM;
	}
	mutex_lock(&hn->lock);
	err = nfhp_rules_dnat_add(hn, r, info->extack);
	mutex_unlock(&hn->lock);
	if (err)
		nlmsg_free(msg);
	else
		err = reply_rule(msg, info, NFHP_CMD_DNAT_ADD, r, false);
	nfhp_dnat_put(r);
	return err;
}

static int snat_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nfhp_net *hn = info_hn(info);
	struct nfhp_snat_rule *r;
	struct sk_buff *msg;
	int err;

	err = need(info, NFHP_A_SNAT, "snat: the NFHP_A_SNAT nest is missing");
	if (err)
		return err;
	r = snat_parse(info->attrs[NFHP_A_SNAT], info->extack);
	if (IS_ERR(r))
		return PTR_ERR(r);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		nfhp_snat_put(r);
		return -ENOMEM;
	}
	mutex_lock(&hn->lock);
	err = nfhp_rules_snat_add(hn, r, info->extack);
	mutex_unlock(&hn->lock);
	if (err)
		nlmsg_free(msg);
	else
		err = reply_rule(msg, info, NFHP_CMD_SNAT_ADD, r, true);
	nfhp_snat_put(r);
	return err;
}

static int dnat_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NFHP_DNAT_A_MAX + 1], *nest;
	struct nfhp_net *hn = info_hn(info);
	struct nfhp_dnat_rule match = {};
	u32 id = 0;
	int err;

	err = need(info, NFHP_A_DNAT, "dnat: the NFHP_A_DNAT nest is missing");
	if (err)
		return err;
	nest = info->attrs[NFHP_A_DNAT];
	err = parse_nest(tb, NFHP_DNAT_A_MAX, nest, dnat_policy, dnat_errs,
			 info->extack);
	if (err)
		return err;
	if (tb[NFHP_DNAT_A_ID]) {
		if (!only(tb, NFHP_DNAT_A_MAX, NFHP_DNAT_A_ID, info->extack))
			return -EINVAL;
		id = nla_get_u32(tb[NFHP_DNAT_A_ID]);
	} else {
		err = dnat_from_attrs(&match, tb, nest, true, info->extack);
		if (err)
			return err;
	}
	mutex_lock(&hn->lock);
	err = nfhp_rules_dnat_del(hn, id, &match, info->extack);
	mutex_unlock(&hn->lock);
	return err;
}

static int snat_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NFHP_SNAT_A_MAX + 1], *nest;
	struct nfhp_net *hn = info_hn(info);
	struct nfhp_snat_rule match = {};
	u32 id = 0;
	int err;

	err = need(info, NFHP_A_SNAT, "snat: the NFHP_A_SNAT nest is missing");
	if (err)
		return err;
	nest = info->attrs[NFHP_A_SNAT];
	err = parse_nest(tb, NFHP_SNAT_A_MAX, nest, snat_policy, snat_errs,
			 info->extack);
	if (err)
		return err;
	if (tb[NFHP_SNAT_A_ID]) {
		if (!only(tb, NFHP_SNAT_A_MAX, NFHP_SNAT_A_ID, info->extack))
			return -EINVAL;
		id = nla_get_u32(tb[NFHP_SNAT_A_ID]);
	} else {
		err = snat_from_attrs(&match, tb, nest, true, info->extack);
		if (err)
			return err;
	}
	mutex_lock(&hn->lock);
	err = nfhp_rules_snat_del(hn, id, &match, info->extack);
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

/*
 * Dump DNAT (@snat false) or SNAT rules, one message each, in id order,
 * from the first id above cb->args[0].
 */
static int rules_dump(struct sk_buff *skb, struct netlink_callback *cb,
		      bool snat)
{
	struct nfhp_net *hn = nfhp_pernet(sock_net(skb->sk));
	const struct nfhp_rules *rs;
	u32 i;

	rcu_read_lock();
	rs = nfhp_rules_rcu(hn);
	cb->seq = nfhp_rules_gen(rs);
	i = snat ? nfhp_rules_snat_seek(rs, cb->args[0]) :
		   nfhp_rules_dnat_seek(rs, cb->args[0]);
	for (;; i++) {
		const struct nfhp_snat_rule *sr = NULL;
		const struct nfhp_dnat_rule *dr = NULL;
		void *hdr;

		if (snat)
			sr = nfhp_rules_snat_at(rs, i);
		else
			dr = nfhp_rules_dnat_at(rs, i);
		if (!sr && !dr)
			break;
		hdr = dump_put(skb, cb, snat ? NFHP_CMD_SNAT_GET :
					       NFHP_CMD_DNAT_GET);
		if (!hdr ||
		    msg_end(skb, hdr, snat ? snat_fill(skb, sr) : dnat_fill(skb, dr)))
			break;
		cb->args[0] = snat ? sr->id : dr->id;
	}
	rcu_read_unlock();
	return skb->len;
}

static int dnat_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return rules_dump(skb, cb, false);
}

static int snat_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return rules_dump(skb, cb, true);
}

static void put_rules(struct nfhp_dnat_rule **dv, u32 nd,
		      struct nfhp_snat_rule **sv, u32 ns)
{
	u32 i;

	for (i = 0; i < nd; i++)
		nfhp_dnat_put(dv[i]);
	for (i = 0; i < ns; i++)
		nfhp_snat_put(sv[i]);
}

/*
 * Validate and count (@parse false) or parse the rules of every
 * NFHP_A_RULES nest of the request, in order.  A nest holds at most 64 KiB, so a big set comes in
 * several.
 */
static int replace_walk(struct genl_info *info, bool parse,
			struct nfhp_dnat_rule **dv,
			const struct nlattr **dnest, u32 *nd,
			struct nfhp_snat_rule **sv,
			const struct nlattr **snest, u32 *ns)
{
	const struct nlattr *top, *a;
	int rem, rem2, err;

	nla_for_each_attr(top, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(top) != NFHP_A_RULES)
			continue;
		if (!parse) {
			err = parse_nest(NULL, NFHP_A_MAX, top, rules_policy,
					 rules_errs, info->extack);
			if (err)
				return err;
		}
		nla_for_each_nested(a, top, rem2) {
			if (!parse) {
				(*(nla_type(a) == NFHP_A_DNAT ? nd : ns))++;
				continue;
			}
			if (nla_type(a) == NFHP_A_DNAT) {
				struct nfhp_dnat_rule *r;

				r = dnat_parse(a, info->extack);
				if (IS_ERR(r))
					return PTR_ERR(r);
				dnest[*nd] = a;
				dv[(*nd)++] = r;
			} else {
				struct nfhp_snat_rule *r;

				r = snat_parse(a, info->extack);
				if (IS_ERR(r))
					return PTR_ERR(r);
				snest[*ns] = a;
				sv[(*ns)++] = r;
			}
			cond_resched();
		}
	}
	return 0;
}

static int replace_doit(struct sk_buff *skb, struct genl_info *info)
{
	const struct nlattr **dnest = NULL, **snest = NULL;
	struct nfhp_net *hn = info_hn(info);
	struct netlink_ext_ack *extack = info->extack;
	struct nfhp_dnat_rule **dv = NULL;
	struct nfhp_snat_rule **sv = NULL;
	u32 nd = 0, ns = 0, max_d = 0, max_s = 0;
	int err, bad_d, bad_s;

	err = need(info, NFHP_A_RULES, "replace: the NFHP_A_RULES nest is missing");
	if (err)
		return err;
	err = replace_walk(info, false, NULL, NULL, &max_d, NULL, NULL,
			   &max_s);
	if (err)
		return err;
	if (max_d > READ_ONCE(hn->cfg.rules_max) ||
	    max_s > READ_ONCE(hn->cfg.rules_max)) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[NFHP_A_RULES],
				    "rules: more rules than rules-max");
		return -ENOSPC;
	}
	dv = kvmalloc_array(max_d, sizeof(*dv), GFP_KERNEL);
	dnest = kvmalloc_array(max_d, sizeof(*dnest), GFP_KERNEL);
	sv = kvmalloc_array(max_s, sizeof(*sv), GFP_KERNEL);
	snest = kvmalloc_array(max_s, sizeof(*snest), GFP_KERNEL);
	err = -ENOMEM;
	if ((max_d && (!dv || !dnest)) || (max_s && (!sv || !snest)))
		goto out;
	err = replace_walk(info, true, dv, dnest, &nd, sv, snest, &ns);
	if (err)
		goto out;
	mutex_lock(&hn->lock);
	err = nfhp_rules_replace(hn, dv, nd, sv, ns, &bad_d, &bad_s, extack);
	mutex_unlock(&hn->lock);
	if (bad_d >= 0)
		NL_SET_BAD_ATTR(extack, dnest[bad_d]);
	else if (bad_s >= 0)
		NL_SET_BAD_ATTR(extack, snest[bad_s]);
out:
	put_rules(dv, nd, sv, ns);
	kvfree(dv);
	kvfree(dnest);
	kvfree(sv);
	kvfree(snest);
	return err;
}

static int flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nfhp_net *hn = info_hn(info);
	int err;

	mutex_lock(&hn->lock);
	err = nfhp_rules_flush(hn, info->extack);
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
	    (c->dnat && nla_put_u32(skb, NFHP_CONN_A_DNAT_ID, c->dnat->id)) ||
	    (c->snat && nla_put_u32(skb, NFHP_CONN_A_SNAT_ID, c->snat->id)) ||
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
	[NFHP_STAT_DROP_MALFORMED]	= NFHP_STATS_A_DROP_MALFORMED,
	[NFHP_STAT_CLASH]		= NFHP_STATS_A_CLASH,
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
	for (i = NFHP_CFG_A_TCP_ESTABLISHED; i <= NFHP_CFG_A_ICMP; i++) {
		const unsigned long *t = (void *)&hn->cfg + cfg_timeouts[i];

		if (nla_put_u32(msg, i, READ_ONCE(*t) / HZ))
			return -EMSGSIZE;
	}
	if (nla_put_u32(msg, NFHP_CFG_A_CONN_MAX, READ_ONCE(hn->cfg.conn_max)) ||
	    nla_put_u32(msg, NFHP_CFG_A_RULES_MAX,
			READ_ONCE(hn->cfg.rules_max)))
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

static int config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NFHP_CFG_A_MAX + 1];
	struct nfhp_net *hn = info_hn(info);
	int err, i;

	err = need(info, NFHP_A_CONFIG,
		   "config: the NFHP_A_CONFIG nest is missing");
	if (err)
		return err;
	err = parse_nest(tb, NFHP_CFG_A_MAX, info->attrs[NFHP_A_CONFIG],
			 cfg_policy, cfg_errs, info->extack);
	if (err)
		return err;
	mutex_lock(&hn->lock);
	for (i = NFHP_CFG_A_TCP_ESTABLISHED; i <= NFHP_CFG_A_ICMP; i++) {
		unsigned long *t = (void *)&hn->cfg + cfg_timeouts[i];

		if (tb[i])
			WRITE_ONCE(*t, (unsigned long)nla_get_u32(tb[i]) * HZ);
	}
	if (tb[NFHP_CFG_A_CONN_MAX])
		WRITE_ONCE(hn->cfg.conn_max,
			   nla_get_u32(tb[NFHP_CFG_A_CONN_MAX]));
	if (tb[NFHP_CFG_A_RULES_MAX])
		WRITE_ONCE(hn->cfg.rules_max,
			   nla_get_u32(tb[NFHP_CFG_A_RULES_MAX]));
	mutex_unlock(&hn->lock);
	return 0;
}

#define NFHP_DO(_cmd, _doit, _policy) {					\
	.cmd = (_cmd), .doit = (_doit), .flags = GENL_UNS_ADMIN_PERM,	\
	.policy = (_policy), .maxattr = NFHP_A_MAX,			\
}

#define NFHP_DUMP(_cmd, _dumpit) {					\
	.cmd = (_cmd), .dumpit = (_dumpit), .flags = GENL_UNS_ADMIN_PERM, \
}

static const struct genl_ops nfhp_ops[] = {
	NFHP_DO(NFHP_CMD_DNAT_ADD, dnat_add_doit, dnat_req_policy),
	NFHP_DO(NFHP_CMD_DNAT_DEL, dnat_del_doit, dnat_req_policy),
	NFHP_DUMP(NFHP_CMD_DNAT_GET, dnat_dumpit),
	NFHP_DO(NFHP_CMD_SNAT_ADD, snat_add_doit, snat_req_policy),
	NFHP_DO(NFHP_CMD_SNAT_DEL, snat_del_doit, snat_req_policy),
	NFHP_DUMP(NFHP_CMD_SNAT_GET, snat_dumpit),
	NFHP_DO(NFHP_CMD_REPLACE, replace_doit, replace_req_policy),
	NFHP_DO(NFHP_CMD_FLUSH, flush_doit, NULL),
	NFHP_DUMP(NFHP_CMD_CONN_GET, conn_dumpit),
	NFHP_DO(NFHP_CMD_CONN_FLUSH, conn_flush_doit, NULL),
	NFHP_DO(NFHP_CMD_STATS_GET, stats_get_doit, NULL),
	NFHP_DO(NFHP_CMD_CONFIG_GET, config_get_doit, NULL),
	NFHP_DO(NFHP_CMD_CONFIG_SET, config_set_doit, config_req_policy),
};

static const struct genl_multicast_group nfhp_mcgrps[] = {
	[NFHP_MCGRP_EVENTS_IDX] = { .name = NFHP_MCGRP_EVENTS },
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
	.ops		= nfhp_ops,
	.n_ops		= ARRAY_SIZE(nfhp_ops),
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
