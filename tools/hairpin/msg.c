// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin netlink messages: requests built into a caller's buffer, and
 * answers parsed back into structs.  No I/O.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>

#include "hairpin.h"

struct nlmsghdr *hp_msg_start(void *buf, uint16_t family, uint8_t cmd,
			      uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = NFHP_GENL_VERSION;
	return nlh;
}

/* The attribute numbers of one rule kind. */
struct rule_attrs {
	uint16_t nest, id, ifname, src, src_plen, dst, dst_plen, proto;
	uint16_t dport_min, dport_max, to, to_port_min, to_port_max, flags;
	uint16_t stats, max;
};

static const struct rule_attrs dnat_attrs = {
	NFHP_A_DNAT, NFHP_DNAT_A_ID, NFHP_DNAT_A_IIF, NFHP_DNAT_A_SRC,
	NFHP_DNAT_A_SRC_PLEN, NFHP_DNAT_A_DST, 0, NFHP_DNAT_A_PROTO,
	NFHP_DNAT_A_DPORT_MIN, NFHP_DNAT_A_DPORT_MAX, NFHP_DNAT_A_TO,
	NFHP_DNAT_A_TO_PORT_MIN, NFHP_DNAT_A_TO_PORT_MAX, NFHP_DNAT_A_FLAGS,
	NFHP_DNAT_A_STATS, NFHP_DNAT_A_MAX
};

static const struct rule_attrs snat_attrs = {
	NFHP_A_SNAT, NFHP_SNAT_A_ID, NFHP_SNAT_A_OIF, NFHP_SNAT_A_SRC,
	NFHP_SNAT_A_SRC_PLEN, NFHP_SNAT_A_DST, NFHP_SNAT_A_DST_PLEN,
	NFHP_SNAT_A_PROTO, NFHP_SNAT_A_DPORT_MIN, NFHP_SNAT_A_DPORT_MAX,
	NFHP_SNAT_A_TO, 0, 0, NFHP_SNAT_A_FLAGS, NFHP_SNAT_A_STATS,
	NFHP_SNAT_A_MAX
};

static const struct rule_attrs *attrs_of(enum hp_kind kind)
{
	return kind == HP_DNAT ? &dnat_attrs : &snat_attrs;
}

/* Builders: each stops at the first attribute that does not fit. */
struct bld {
	struct nlmsghdr *nlh;
	size_t size;
	bool full;
};

static void put_u8(struct bld *b, uint16_t type, uint8_t v)
{
	b->full = b->full || !mnl_attr_put_u8_check(b->nlh, b->size, type, v);
}

static void put_u16(struct bld *b, uint16_t type, uint16_t v)
{
	b->full = b->full || !mnl_attr_put_u16_check(b->nlh, b->size, type, v);
}

static void put_u32(struct bld *b, uint16_t type, uint32_t v)
{
	b->full = b->full || !mnl_attr_put_u32_check(b->nlh, b->size, type, v);
}

static void put_str(struct bld *b, uint16_t type, const char *s)
{
	b->full = b->full ||
		  !mnl_attr_put_strz_check(b->nlh, b->size, type, s);
}

static struct nlattr *nest_start(struct bld *b, uint16_t type)
{
	struct nlattr *n = NULL;

	if (!b->full)
		n = mnl_attr_nest_start_check(b->nlh, b->size, type);
	b->full = !n;
	return n;
}

/* Nest lengths are 16 bits: a nest that grew past them is an error. */
static void nest_end(struct bld *b, struct nlattr *n)
{
	if (b->full)
		return;
	if ((char *)mnl_nlmsg_get_payload_tail(b->nlh) - (char *)n > UINT16_MAX)
		b->full = true;
	else
		mnl_attr_nest_end(b->nlh, n);
}

static void put_ports(struct bld *b, uint16_t tmin, uint16_t tmax,
		      uint16_t min, uint16_t max)
{
	put_u16(b, tmin, htons(min));
	if (max != min)
		put_u16(b, tmax, htons(max));
}

static void put_rule(struct bld *b, const struct hp_rule *r, bool id_only)
{
	const struct rule_attrs *a = attrs_of(r->kind);
	struct nlattr *nest = nest_start(b, a->nest);

	if (id_only) {
		put_u32(b, a->id, r->id);
		nest_end(b, nest);
		return;
	}
	if (r->has & HP_R_IF)
		put_str(b, a->ifname, r->ifname);
	if (r->has & HP_R_SRC) {
		put_u32(b, a->src, r->src);
		put_u8(b, a->src_plen, r->src_plen);
	}
	if (r->has & HP_R_DST) {
		put_u32(b, a->dst, r->dst);
		if (a->dst_plen)
			put_u8(b, a->dst_plen, r->dst_plen);
	}
	if (r->has & HP_R_PROTO)
		put_u8(b, a->proto, r->proto);
	if (r->has & HP_R_DPORT)
		put_ports(b, a->dport_min, a->dport_max, r->dport_min,
			  r->dport_max);
	if (r->has & HP_R_TO)
		put_u32(b, a->to, r->to);
	if ((r->has & HP_R_TO_PORT) && a->to_port_min)
		put_ports(b, a->to_port_min, a->to_port_max, r->to_port_min,
			  r->to_port_max);
	if (r->flags)
		put_u32(b, a->flags, r->flags);
	nest_end(b, nest);
}

static int bld_done(struct bld *b)
{
	if (b->full) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int hp_msg_put_rule(struct nlmsghdr *nlh, size_t size,
		    const struct hp_rule *r, bool id_only)
{
	struct bld b = { nlh, size, false };

	put_rule(&b, r, id_only);
	return bld_done(&b);
}

int hp_msg_put_rules(struct nlmsghdr *nlh, size_t size,
		     const struct hp_ruleset *rs)
{
	struct bld b = { nlh, size, false };
	struct nlattr *nest = nest_start(&b, NFHP_A_RULES);
	size_t i;

	/*
	 * An attribute's length is 16 bits: a large rule set goes in several
	 * NFHP_A_RULES nests, which the kernel takes in message order.
	 */
	for (i = 0; i < rs->n; i++) {
		if (!b.full && (char *)mnl_nlmsg_get_payload_tail(nlh) -
			       (char *)nest > HP_RULES_NEST_MAX) {
			nest_end(&b, nest);
			nest = nest_start(&b, NFHP_A_RULES);
		}
		put_rule(&b, &rs->rules[i], false);
	}
	nest_end(&b, nest);
	return bld_done(&b);
}

/* Enough for any rule set, nests included. */
size_t hp_msg_rules_size(const struct hp_ruleset *rs)
{
	return MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) +
	       (rs->n / 256 + 1) * MNL_ATTR_HDRLEN + rs->n * 160 + 256;
}

int hp_msg_put_config(struct nlmsghdr *nlh, size_t size,
		      const struct hp_config *cfg)
{
	struct bld b = { nlh, size, false };
	struct nlattr *nest = nest_start(&b, NFHP_A_CONFIG);
	int i;

	for (i = 1; i <= HP_CFG_N; i++)
		if (cfg->set[i])
			put_u32(&b, (uint16_t)i, cfg->val[i]);
	nest_end(&b, nest);
	return bld_done(&b);
}

int hp_msg_put_explain(struct nlmsghdr *nlh, size_t size,
		       const struct hp_xq *q)
{
	struct bld b = { nlh, size, false };
	struct nlattr *nest = nest_start(&b, NFHP_A_EXPLAIN);

	if (q->iif[0])
		put_str(&b, NFHP_EXPLAIN_A_IIF, q->iif);
	put_u8(&b, NFHP_EXPLAIN_A_PROTO, q->proto);
	put_u32(&b, NFHP_EXPLAIN_A_SRC, q->src);
	if (q->sport)
		put_u16(&b, NFHP_EXPLAIN_A_SPORT, htons(q->sport));
	put_u32(&b, NFHP_EXPLAIN_A_DST, q->dst);
	put_u16(&b, NFHP_EXPLAIN_A_DPORT, htons(q->dport));
	nest_end(&b, nest);
	return bld_done(&b);
}

/*
 * Parsing: one callback fills a table of attributes, checking each against
 * the type expected for it; unknown (newer) attributes are skipped.
 */
struct tbl {
	const struct nlattr **tb;
	const uint8_t *types;		/* enum mnl_attr_data_type + 1 */
	uint16_t max;
};

#define T(x) ((uint8_t)(MNL_TYPE_##x + 1))

static int tbl_cb(const struct nlattr *attr, void *data)
{
	const struct tbl *t = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > t->max || !t->types[type])
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, t->types[type] - 1) < 0)
		return MNL_CB_ERROR;
	t->tb[type] = attr;
	return MNL_CB_OK;
}

static int parse_nest(const struct nlattr *nest, const uint8_t *types,
		      uint16_t max, const struct nlattr **tb)
{
	struct tbl t = { tb, types, max };

	memset(tb, 0, (max + 1U) * sizeof(*tb));
	if (mnl_attr_parse_nested(nest, tbl_cb, &t) < 0) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* The nest of type top in a genl message, or NULL with errno EPROTO. */
static const struct nlattr *get_top(const struct nlmsghdr *nlh, uint16_t top)
{
	static const uint8_t types[NFHP_A_MAX + 1] = {
		[NFHP_A_DNAT] = T(NESTED), [NFHP_A_SNAT] = T(NESTED),
		[NFHP_A_RULES] = T(NESTED), [NFHP_A_CONN] = T(NESTED),
		[NFHP_A_STATS] = T(NESTED), [NFHP_A_CONFIG] = T(NESTED),
		[NFHP_A_EXPLAIN] = T(NESTED),
	};
	const struct nlattr *tb[NFHP_A_MAX + 1] = { NULL };
	struct tbl t = { tb, types, NFHP_A_MAX };

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct genlmsghdr) ||
	    mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tbl_cb, &t) < 0 ||
	    !tb[top]) {
		errno = EPROTO;
		return NULL;
	}
	return tb[top];
}

static uint16_t get_be16(const struct nlattr *a)
{
	return ntohs(mnl_attr_get_u16(a));
}

static uint64_t get_u64(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

int hp_msg_get_rule(const struct nlmsghdr *nlh, enum hp_kind kind,
		    struct hp_rule *r)
{
	static const uint8_t rstats_types[NFHP_RSTATS_A_MAX + 1] = {
		[NFHP_RSTATS_A_PACKETS] = T(U64),
		[NFHP_RSTATS_A_BYTES] = T(U64),
		[NFHP_RSTATS_A_CONNS] = T(U64),
	};
	const struct rule_attrs *a = attrs_of(kind);
	const struct nlattr *tb[NFHP_DNAT_A_MAX + NFHP_SNAT_A_MAX + 2];
	const struct nlattr *st[NFHP_RSTATS_A_MAX + 1];
	const struct nlattr *nest = get_top(nlh, a->nest);
	uint8_t types[NFHP_DNAT_A_MAX + NFHP_SNAT_A_MAX + 2] = { 0 };

	if (!nest)
		return -1;
	types[a->id] = T(U32);
	types[a->ifname] = T(NUL_STRING);
	types[a->src] = types[a->dst] = types[a->to] = T(U32);
	types[a->src_plen] = types[a->proto] = T(U8);
	types[a->dport_min] = types[a->dport_max] = T(U16);
	types[a->flags] = T(U32);
	types[a->stats] = T(NESTED);
	if (a->dst_plen)
		types[a->dst_plen] = T(U8);
	if (a->to_port_min)
		types[a->to_port_min] = types[a->to_port_max] = T(U16);
	types[0] = 0;
	if (parse_nest(nest, types, a->max, tb) < 0)
		return -1;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	if (tb[a->id]) {
		r->has |= HP_R_ID;
		r->id = mnl_attr_get_u32(tb[a->id]);
	}
	if (tb[a->ifname]) {
		const char *s = mnl_attr_get_str(tb[a->ifname]);

		if (strlen(s) >= IFNAMSIZ)
			goto proto;
		strcpy(r->ifname, s);
		r->has |= HP_R_IF;
	}
	if (tb[a->src]) {
		r->has |= HP_R_SRC;
		r->src = mnl_attr_get_u32(tb[a->src]);
		r->src_plen = tb[a->src_plen] ?
			      mnl_attr_get_u8(tb[a->src_plen]) : 0;
	}
	if (tb[a->dst]) {
		r->has |= HP_R_DST;
		r->dst = mnl_attr_get_u32(tb[a->dst]);
		r->dst_plen = !a->dst_plen ? 32 : tb[a->dst_plen] ?
			      mnl_attr_get_u8(tb[a->dst_plen]) : 0;
	}
	if (r->src_plen > 32 || r->dst_plen > 32)
		goto proto;
	if (tb[a->proto]) {
		r->has |= HP_R_PROTO;
		r->proto = mnl_attr_get_u8(tb[a->proto]);
	}
	if (tb[a->dport_min]) {
		r->has |= HP_R_DPORT;
		r->dport_min = get_be16(tb[a->dport_min]);
		r->dport_max = tb[a->dport_max] ? get_be16(tb[a->dport_max]) :
						  r->dport_min;
	}
	if (tb[a->to]) {
		r->has |= HP_R_TO;
		r->to = mnl_attr_get_u32(tb[a->to]);
	}
	if (a->to_port_min && tb[a->to_port_min]) {
		r->has |= HP_R_TO_PORT;
		r->to_port_min = get_be16(tb[a->to_port_min]);
		r->to_port_max = tb[a->to_port_max] ?
				 get_be16(tb[a->to_port_max]) :
				 r->to_port_min;
	}
	if (tb[a->flags])
		r->flags = mnl_attr_get_u32(tb[a->flags]);
	if (tb[a->stats]) {
		if (parse_nest(tb[a->stats], rstats_types, NFHP_RSTATS_A_MAX,
			       st) < 0)
			return -1;
		r->has |= HP_R_STATS;
		r->packets = get_u64(st[NFHP_RSTATS_A_PACKETS]);
		r->bytes = get_u64(st[NFHP_RSTATS_A_BYTES]);
		r->conns = get_u64(st[NFHP_RSTATS_A_CONNS]);
	}
	return 0;
proto:
	errno = EPROTO;
	return -1;
}

static int get_tuple(const struct nlattr *nest, struct hp_tuple *t)
{
	static const uint8_t types[NFHP_TUPLE_A_MAX + 1] = {
		[NFHP_TUPLE_A_SRC] = T(U32), [NFHP_TUPLE_A_SPORT] = T(U16),
		[NFHP_TUPLE_A_DST] = T(U32), [NFHP_TUPLE_A_DPORT] = T(U16),
	};
	const struct nlattr *tb[NFHP_TUPLE_A_MAX + 1];

	memset(t, 0, sizeof(*t));
	if (!nest)
		return 0;
	if (parse_nest(nest, types, NFHP_TUPLE_A_MAX, tb) < 0)
		return -1;
	if (tb[NFHP_TUPLE_A_SRC])
		t->src = mnl_attr_get_u32(tb[NFHP_TUPLE_A_SRC]);
	if (tb[NFHP_TUPLE_A_DST])
		t->dst = mnl_attr_get_u32(tb[NFHP_TUPLE_A_DST]);
	if (tb[NFHP_TUPLE_A_SPORT])
		t->sport = get_be16(tb[NFHP_TUPLE_A_SPORT]);
	if (tb[NFHP_TUPLE_A_DPORT])
		t->dport = get_be16(tb[NFHP_TUPLE_A_DPORT]);
	return 0;
}

int hp_msg_get_conn(const struct nlmsghdr *nlh, struct hp_conn *c)
{
	static const uint8_t types[NFHP_CONN_A_MAX + 1] = {
		[NFHP_CONN_A_PROTO] = T(U8), [NFHP_CONN_A_STATE] = T(U8),
		[NFHP_CONN_A_TIMEOUT] = T(U32), [NFHP_CONN_A_ORIG] = T(NESTED),
		[NFHP_CONN_A_REPLY] = T(NESTED),
		[NFHP_CONN_A_DNAT_ID] = T(U32), [NFHP_CONN_A_SNAT_ID] = T(U32),
		[NFHP_CONN_A_FLAGS] = T(U32),
	};
	const struct nlattr *tb[NFHP_CONN_A_MAX + 1];
	const struct nlattr *nest = get_top(nlh, NFHP_A_CONN);

	if (!nest || parse_nest(nest, types, NFHP_CONN_A_MAX, tb) < 0)
		return -1;
	memset(c, 0, sizeof(*c));
	if (tb[NFHP_CONN_A_PROTO])
		c->proto = mnl_attr_get_u8(tb[NFHP_CONN_A_PROTO]);
	if (tb[NFHP_CONN_A_STATE])
		c->state = mnl_attr_get_u8(tb[NFHP_CONN_A_STATE]);
	if (tb[NFHP_CONN_A_TIMEOUT])
		c->timeout = mnl_attr_get_u32(tb[NFHP_CONN_A_TIMEOUT]);
	if (tb[NFHP_CONN_A_DNAT_ID]) {
		c->has |= HP_C_DNAT_ID;
		c->dnat_id = mnl_attr_get_u32(tb[NFHP_CONN_A_DNAT_ID]);
	}
	if (tb[NFHP_CONN_A_SNAT_ID]) {
		c->has |= HP_C_SNAT_ID;
		c->snat_id = mnl_attr_get_u32(tb[NFHP_CONN_A_SNAT_ID]);
	}
	if (tb[NFHP_CONN_A_FLAGS])
		c->flags = mnl_attr_get_u32(tb[NFHP_CONN_A_FLAGS]);
	if (get_tuple(tb[NFHP_CONN_A_ORIG], &c->orig) < 0 ||
	    get_tuple(tb[NFHP_CONN_A_REPLY], &c->reply) < 0)
		return -1;
	return 0;
}

int hp_msg_get_explain(const struct nlmsghdr *nlh, struct hp_xa *a)
{
	static const uint8_t types[NFHP_EXPLAIN_A_MAX + 1] = {
		[NFHP_EXPLAIN_A_VERDICT] = T(U32), [NFHP_EXPLAIN_A_SNAT] = T(U32),
		[NFHP_EXPLAIN_A_OIF] = T(NUL_STRING),
		[NFHP_EXPLAIN_A_GATEWAY] = T(U32), [NFHP_EXPLAIN_A_RTYPE] = T(U8),
		[NFHP_EXPLAIN_A_ROUTE_ERR] = T(U32),
	};
	const struct nlattr *tb[NFHP_EXPLAIN_A_MAX + 1];
	const struct nlattr *nest = get_top(nlh, NFHP_A_EXPLAIN);

	if (!nest || parse_nest(nest, types, NFHP_EXPLAIN_A_MAX, tb) < 0 ||
	    !tb[NFHP_EXPLAIN_A_VERDICT] || !tb[NFHP_EXPLAIN_A_SNAT]) {
		errno = EPROTO;
		return -1;
	}
	memset(a, 0, sizeof(*a));
	a->verdict = mnl_attr_get_u32(tb[NFHP_EXPLAIN_A_VERDICT]);
	a->snat = mnl_attr_get_u32(tb[NFHP_EXPLAIN_A_SNAT]);
	if (tb[NFHP_EXPLAIN_A_OIF])
		snprintf(a->oif, sizeof(a->oif), "%s",
			 mnl_attr_get_str(tb[NFHP_EXPLAIN_A_OIF]));
	if (tb[NFHP_EXPLAIN_A_GATEWAY])
		a->gateway = mnl_attr_get_u32(tb[NFHP_EXPLAIN_A_GATEWAY]);
	if (tb[NFHP_EXPLAIN_A_RTYPE])
		a->rtype = mnl_attr_get_u8(tb[NFHP_EXPLAIN_A_RTYPE]);
	if (tb[NFHP_EXPLAIN_A_ROUTE_ERR])
		a->route_err = mnl_attr_get_u32(tb[NFHP_EXPLAIN_A_ROUTE_ERR]);
	/* only when the packet would be translated */
	if (get_top(nlh, NFHP_A_CONN))
		a->has_conn = !hp_msg_get_conn(nlh, &a->conn);
	return 0;
}

/* A nest of attributes 1..max, all of one type but the pad. */
static int get_flat(const struct nlmsghdr *nlh, uint16_t top, uint8_t type,
		    uint16_t pad, uint16_t max, const struct nlattr **tb)
{
	uint8_t types[64];
	const struct nlattr *nest = get_top(nlh, top);

	memset(types, type, sizeof(types));
	types[0] = types[pad] = 0;
	return nest ? parse_nest(nest, types, max, tb) : -1;
}

int hp_msg_get_stats(const struct nlmsghdr *nlh, struct hp_stats *st)
{
	const struct nlattr *tb[NFHP_STATS_A_MAX + 1];
	int i;

	if (get_flat(nlh, NFHP_A_STATS, T(U64), NFHP_STATS_A_PAD,
		     NFHP_STATS_A_MAX, tb) < 0)
		return -1;
	for (i = 0; i <= NFHP_STATS_A_MAX; i++) {
		st->set[i] = tb[i];
		st->val[i] = tb[i] ? mnl_attr_get_u64(tb[i]) : 0;
	}
	return 0;
}

int hp_msg_get_config(const struct nlmsghdr *nlh, struct hp_config *cfg)
{
	const struct nlattr *tb[HP_CFG_N + 1];
	int i;

	/* no pad: attribute 0 stands in for it */
	if (get_flat(nlh, NFHP_A_CONFIG, T(U32), 0, HP_CFG_N, tb) < 0)
		return -1;
	for (i = 0; i <= HP_CFG_N; i++) {
		cfg->set[i] = tb[i];
		cfg->val[i] = tb[i] ? mnl_attr_get_u32(tb[i]) : 0;
	}
	return 0;
}
