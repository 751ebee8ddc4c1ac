// SPDX-License-Identifier: GPL-2.0
/*
 * The hairpin grammar: argv or restore text to a struct hp_req, and rules
 * back to text.  Pure: no I/O, no global state, so that it can be unit
 * tested and fuzzed without a kernel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hairpin.h"

const char *const hp_cfg_names[HP_CFG_N + 1] = {
	[NFHP_CFG_A_TCP_ESTABLISHED]	= "tcp_established",
	[NFHP_CFG_A_TCP_TRANSITORY]	= "tcp_transitory",
	[NFHP_CFG_A_TCP_TIME_WAIT]	= "tcp_time_wait",
	[NFHP_CFG_A_UDP]		= "udp",
	[NFHP_CFG_A_ICMP]		= "icmp",
	[NFHP_CFG_A_CONN_MAX]		= "conn_max",
	[NFHP_CFG_A_RULES_MAX]		= "rules_max",
	[NFHP_CFG_A_UDP_UNREPLIED]	= "udp_unreplied",
	[NFHP_CFG_A_TCP_SYN]		= "tcp_syn",
	[NFHP_CFG_A_FILTERING]		= "filtering",
};

const char *const hp_filtering_names[NFHP_FILTERING_MAX + 1] = {
	[NFHP_FILTERING_ADDRESS_PORT]	= "address-and-port-dependent",
	[NFHP_FILTERING_ENDPOINT]	= "endpoint-independent",
};

const char *const hp_stats_names[NFHP_STATS_A_MAX + 1] = {
	[NFHP_STATS_A_CONNS]		= "conns",
	[NFHP_STATS_A_XLATE_ORIG]	= "xlate_orig",
	[NFHP_STATS_A_XLATE_REPLY]	= "xlate_reply",
	[NFHP_STATS_A_XLATE_ICMP]	= "xlate_icmp",
	[NFHP_STATS_A_CONN_CREATED]	= "conn_created",
	[NFHP_STATS_A_CONN_EXPIRED]	= "conn_expired",
	[NFHP_STATS_A_LOOKUP_MISS]	= "lookup_miss",
	[NFHP_STATS_A_DROP_TABLE_FULL]	= "drop_table_full",
	[NFHP_STATS_A_DROP_NO_PORT]	= "drop_no_port",
	[NFHP_STATS_A_MALFORMED]	= "malformed",
	[NFHP_STATS_A_CLASH]		= "clash",
	[NFHP_STATS_A_TCP_OUT_OF_WINDOW] = "tcp_out_of_window",
	[NFHP_STATS_A_EVICTED]		= "evicted",
	[NFHP_STATS_A_DROP_NOMEM]	= "drop_nomem",
	[NFHP_STATS_A_CT_DROP]		= "ct_drop",
	[NFHP_STATS_A_DROP_PROTO]	= "drop_proto",
	[NFHP_STATS_A_TCP_PICKUP]	= "tcp_pickup",
	[NFHP_STATS_A_ADDR_GONE]	= "addr_gone",
	[NFHP_STATS_A_CLASH_REMAP]	= "clash_remap",
	[NFHP_STATS_A_DROP_ICMP_CSUM]	= "drop_icmp_csum",
	[NFHP_STATS_A_MAP_HAIRPIN]	= "map_hairpin",
	[NFHP_STATS_A_MAP_IN]		= "map_in",
	[NFHP_STATS_A_MAP_FILTERED]	= "map_filtered",
};

const char *const hp_state_names[__NFHP_CONN_S_MAX] = {
	[NFHP_CONN_S_NONE]		= "none",
	[NFHP_CONN_S_SYN_SENT]		= "syn_sent",
	[NFHP_CONN_S_SYN_RECV]		= "syn_recv",
	[NFHP_CONN_S_ESTABLISHED]	= "established",
	[NFHP_CONN_S_FIN_WAIT]		= "fin_wait",
	[NFHP_CONN_S_CLOSE_WAIT]	= "close_wait",
	[NFHP_CONN_S_LAST_ACK]		= "last_ack",
	[NFHP_CONN_S_TIME_WAIT]		= "time_wait",
	[NFHP_CONN_S_CLOSE]		= "close",
	[NFHP_CONN_S_UDP_UNREPLIED]	= "udp_unreplied",
	[NFHP_CONN_S_UDP_REPLIED]	= "udp_replied",
};

static int fail(struct hp_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct hp_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return HP_EXIT_USAGE;
}

static int missing_value(struct hp_err *err, const char *kw)
{
	return fail(err, "missing value after `%s'", kw);
}

/* Decimal digits only: no sign, no blanks, no hex. */
static bool get_u32(const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
	unsigned long long n = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		n = n * 10 + (unsigned int)(*s - '0');
		if (n > max)
			return false;
	}
	if (n < min)
		return false;
	*v = (uint32_t)n;
	return true;
}

/* "P" or "P-Q", 1 <= P <= Q <= 65535; *what says which was wrong. */
static bool get_port_range(const char *s, uint16_t *min, uint16_t *max,
			   const char **what)
{
	char buf[16];
	const char *dash = strchr(s, '-');
	uint32_t a, b;

	*what = "port";
	if (!dash) {
		if (!get_u32(s, 1, 65535, &a))
			return false;
		*min = *max = (uint16_t)a;
		return true;
	}
	if ((size_t)(dash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (!get_u32(buf, 1, 65535, &a) || !get_u32(dash + 1, 1, 65535, &b))
		return false;
	if (a > b) {
		*what = "port range";
		return false;
	}
	*min = (uint16_t)a;
	*max = (uint16_t)b;
	return true;
}

static bool get_addr(const char *s, uint32_t *addr)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*addr = in.s_addr;
	return true;
}

/* "A.B.C.D" (a /32) or "A.B.C.D/N", 0 <= N <= 32. */
static bool get_prefix(const char *s, uint32_t *addr, uint8_t *plen)
{
	char buf[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	uint32_t n = 32;

	if (!slash) {
		*plen = 32;
		return get_addr(s, addr);
	}
	if ((size_t)(slash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (!get_addr(buf, addr) || !get_u32(slash + 1, 0, 32, &n))
		return false;
	*plen = (uint8_t)n;
	return true;
}

/* As the kernel's dev_valid_name(). */
static bool get_ifname(const char *s, char *name)
{
	size_t len = strlen(s);

	if (!len || len >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	if (strpbrk(s, "/: \t\n\r\v\f"))
		return false;
	memcpy(name, s, len + 1);
	return true;
}

static bool get_proto(const char *s, uint8_t *proto)
{
	if (!strcmp(s, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = IPPROTO_UDP;
	else
		return false;
	return true;
}

const char *hp_proto_name(uint8_t proto, char *buf, size_t size)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	}
	snprintf(buf, size, "%u", proto);
	return buf;
}

/* Rule keywords; one bit each, to catch duplicates. */
enum {
	KW_IF, KW_SRC, KW_DST, KW_PROTO, KW_DPORT, KW_TO, KW_NOREFLECT,
	KW_REFLECT_SRC, KW_MASQUERADE, KW_N
};

struct kw {
	const char *name;
	bool arg;
};

static const struct kw dnat_kw[KW_N] = {
	[KW_IF] = { "iif", true },	[KW_SRC] = { "src", true },
	[KW_DST] = { "dst", true },	[KW_PROTO] = { "proto", true },
	[KW_DPORT] = { "dport", true },	[KW_TO] = { "to", true },
	[KW_NOREFLECT] = { "noreflect", false },
	[KW_REFLECT_SRC] = { "reflect-src", true },
};

static const struct kw snat_kw[KW_N] = {
	[KW_IF] = { "oif", true },	[KW_SRC] = { "src", true },
	[KW_DST] = { "dst", true },	[KW_PROTO] = { "proto", true },
	[KW_DPORT] = { "dport", true },	[KW_TO] = { "to", true },
	[KW_MASQUERADE] = { "masquerade", false },
};

static int find_kw(const struct kw *tbl, const char *s)
{
	int i;

	for (i = 0; i < KW_N; i++)
		if (tbl[i].name && !strcmp(tbl[i].name, s))
			return i;
	return -1;
}

/* dnat "to ADDR[:PORT[-PORT]]" */
static int get_dnat_to(const char *s, struct hp_rule *r, struct hp_err *err)
{
	char buf[INET_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	const char *what;
	size_t len = colon ? (size_t)(colon - s) : strlen(s);

	if (len >= sizeof(buf))
		return fail(err, "invalid address `%s'", s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!get_addr(buf, &r->to))
		return fail(err, "invalid address `%s'", s);
	r->has |= HP_R_TO;
	if (!colon)
		return 0;
	if (!get_port_range(colon + 1, &r->to_port_min, &r->to_port_max,
			    &what))
		return fail(err, "invalid %s `%s'", what, s);
	r->has |= HP_R_TO_PORT;
	return 0;
}

static int rule_value(struct hp_rule *r, int k, const char *v,
		      struct hp_err *err)
{
	bool dnat = r->kind == HP_DNAT;
	const char *what;

	switch (k) {
	case KW_IF:
		if (!get_ifname(v, r->ifname))
			return fail(err, "invalid interface name `%s'", v);
		r->has |= HP_R_IF;
		break;
	case KW_SRC:
		if (!get_prefix(v, &r->src, &r->src_plen))
			return fail(err, "invalid prefix `%s'", v);
		r->has |= HP_R_SRC;
		break;
	case KW_DST:
		if (dnat && !strcmp(v, "local")) {
			r->flags |= NFHP_DNAT_F_LOCAL;
			break;
		}
		if (dnat ? !get_addr(v, &r->dst) :
			   !get_prefix(v, &r->dst, &r->dst_plen))
			return fail(err, "invalid %s `%s'",
				    dnat ? "address" : "prefix", v);
		if (dnat)
			r->dst_plen = 32;
		r->has |= HP_R_DST;
		break;
	case KW_PROTO:
		if (!get_proto(v, &r->proto))
			return fail(err, "invalid protocol `%s'", v);
		r->has |= HP_R_PROTO;
		break;
	case KW_DPORT:
		if (!get_port_range(v, &r->dport_min, &r->dport_max, &what))
			return fail(err, "invalid %s `%s'", what, v);
		r->has |= HP_R_DPORT;
		break;
	case KW_TO:
		if (dnat)
			return get_dnat_to(v, r, err);
		if (!get_addr(v, &r->to))
			return fail(err, "invalid address `%s'", v);
		r->has |= HP_R_TO;
		break;
	case KW_NOREFLECT:
		r->flags |= NFHP_DNAT_F_NOREFLECT;
		break;
	case KW_REFLECT_SRC:
		if (!strcmp(v, "external"))
			r->flags |= NFHP_DNAT_F_REFLECT_EXTERNAL;
		else if (strcmp(v, "internal"))
			return fail(err, "invalid reflect-src `%s'", v);
		break;
	case KW_MASQUERADE:
		r->flags |= NFHP_SNAT_F_MASQUERADE;
		break;
	}
	return 0;
}

static int rule_check(const struct hp_rule *r, bool del, struct hp_err *err)
{
	uint32_t n_dport = r->dport_max - r->dport_min + 1U;
	uint32_t n_to = r->to_port_max - r->to_port_min + 1U;

	if (r->kind == HP_SNAT) {
		if ((r->has & HP_R_TO) && (r->flags & NFHP_SNAT_F_MASQUERADE))
			return fail(err,
				    "`to' and `masquerade' exclude each other");
		if (!del && !(r->has & HP_R_TO) &&
		    !(r->flags & NFHP_SNAT_F_MASQUERADE))
			return fail(err, "missing `to' or `masquerade'");
		return 0;
	}
	if (!(r->has & HP_R_DST) && !(r->flags & NFHP_DNAT_F_LOCAL))
		return fail(err, "missing `dst'");
	if (!(r->has & HP_R_PROTO))
		return fail(err, "missing `proto'");
	if (!(r->has & HP_R_DPORT))
		return fail(err, "missing `dport'");
	if (!del && !(r->has & HP_R_TO))
		return fail(err, "missing `to'");
	if ((r->has & HP_R_TO_PORT) && n_to != 1 && n_to != n_dport)
		return fail(err,
			    "invalid port range `%u-%u': dport has %u ports",
			    r->to_port_min, r->to_port_max, n_dport);
	return 0;
}

int hp_parse_rule(enum hp_kind kind, bool del, int argc, char **argv,
		  struct hp_rule *r, struct hp_err *err)
{
	const struct kw *tbl = kind == HP_DNAT ? dnat_kw : snat_kw;
	unsigned int seen = 0;
	int i, k, ret;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	if (del && argc == 1 && argv[0][0] >= '0' && argv[0][0] <= '9') {
		if (!get_u32(argv[0], 0, UINT32_MAX, &r->id))
			return fail(err, "invalid id `%s'", argv[0]);
		r->has = HP_R_ID;
		return 0;
	}
	if (argc == 0)
		return fail(err, del ? "missing ID or rule after `del'" :
				       "missing rule after `add'");
	for (i = 0; i < argc; i++) {
		k = find_kw(tbl, argv[i]);
		if (k < 0)
			return fail(err, "unknown keyword `%s'", argv[i]);
		if (seen & (1U << k))
			return fail(err, "duplicate keyword `%s'", argv[i]);
		seen |= 1U << k;
		if (k == KW_DPORT && kind == HP_SNAT &&
		    !(seen & 1U << KW_PROTO))
			return fail(err, "`dport' needs `proto' before it");
		if (tbl[k].arg && ++i >= argc)
			return missing_value(err, argv[i - 1]);
		ret = rule_value(r, k, tbl[k].arg ? argv[i] : NULL, err);
		if (ret)
			return ret;
	}
	return rule_check(r, del, err);
}

static int parse_none(int argc, char **argv, struct hp_req *req,
		      struct hp_err *err)
{
	(void)req;
	if (argc > 0)
		return fail(err, "unexpected argument `%s'", argv[0]);
	return 0;
}

static int parse_add(int argc, char **argv, struct hp_req *req,
		     struct hp_err *err)
{
	return hp_parse_rule(req->kind, false, argc, argv, &req->rule, err);
}

static int parse_del(int argc, char **argv, struct hp_req *req,
		     struct hp_err *err)
{
	return hp_parse_rule(req->kind, true, argc, argv, &req->rule, err);
}

static int parse_conn_list(int argc, char **argv, struct hp_req *req,
			   struct hp_err *err)
{
	static const char *const kw[] = { "proto", "addr", "port" };
	struct hp_filter *f = &req->filter;
	uint32_t port;
	unsigned int k;
	int i;

	for (i = 0; i < argc; i++) {
		for (k = 0; k < 3 && strcmp(argv[i], kw[k]); k++)
			;
		if (k == 3)
			return fail(err, "unknown keyword `%s'", argv[i]);
		if (f->has & (1U << k))
			return fail(err, "duplicate keyword `%s'", argv[i]);
		if (++i >= argc)
			return missing_value(err, argv[i - 1]);
		f->has |= 1U << k;
		if (k == 0 && !get_proto(argv[i], &f->proto))
			return fail(err, "invalid protocol `%s'", argv[i]);
		if (k == 1 && !get_addr(argv[i], &f->addr))
			return fail(err, "invalid address `%s'", argv[i]);
		if (k == 2 && !get_u32(argv[i], 1, 65535, &port))
			return fail(err, "invalid port `%s'", argv[i]);
		f->port = k == 2 ? (uint16_t)port : f->port;
	}
	return 0;
}

unsigned int hp_cfg_group(int attr)
{
	if (attr == NFHP_CFG_A_FILTERING)
		return HP_CFG_BEHAVIOUR;
	return attr == NFHP_CFG_A_CONN_MAX || attr == NFHP_CFG_A_RULES_MAX ?
	       HP_CFG_LIMITS : HP_CFG_TIMEOUTS;
}

static const char *group_name(unsigned int group)
{
	if (group == HP_CFG_BEHAVIOUR)
		return "behaviour";
	if (group == HP_CFG_CONFIG)
		return "setting";
	return group == HP_CFG_LIMITS ? "limit" : "timeout";
}

static const char *group_object(unsigned int group)
{
	return group == HP_CFG_TIMEOUTS ? "timeout" : "config";
}

/* A setting's value: a number, or for filtering one of its names. */
static bool get_setting(int k, unsigned int g, const char *s, uint32_t *v)
{
	uint32_t i;

	if (k != NFHP_CFG_A_FILTERING)
		return get_u32(s, 1, g == HP_CFG_LIMITS ? UINT32_MAX :
			       INT32_MAX, v);
	for (i = 0; i <= NFHP_FILTERING_MAX; i++)
		if (!strcmp(s, hp_filtering_names[i])) {
			*v = i;
			return true;
		}
	return false;
}

/*
 * NAME VALUE pairs for the settings of groups: timeouts 1..INT32_MAX
 * seconds (the kernel's bound, INT_MAX/HZ, depends on HZ: it names it),
 * limits 1..UINT32_MAX (rules_max: the kernel names its bound too).
 */
static int parse_settings(int argc, char **argv, struct hp_req *req,
			  unsigned int groups, struct hp_err *err)
{
	struct hp_config *cfg = &req->cfg;
	unsigned int g;
	int i, k;

	req->cfg_groups = groups;
	for (i = 0; i < argc; i += 2) {
		for (k = 1; k <= HP_CFG_N && strcmp(argv[i], hp_cfg_names[k]);
		     k++)
			;
		g = k <= HP_CFG_N ? hp_cfg_group(k) : 0;
		if (g && !(g & groups))
			return fail(err, "`%s' is a %s: use `%s set'", argv[i],
				    group_name(g), group_object(g));
		if (!g)
			return fail(err, "unknown %s `%s'", group_name(groups),
				    argv[i]);
		if (cfg->set[k])
			return fail(err, "duplicate keyword `%s'", argv[i]);
		if (i + 1 >= argc)
			return missing_value(err, argv[i]);
		if (!get_setting(k, g, argv[i + 1], &cfg->val[k]))
			return fail(err, "invalid %s `%s'", group_name(g),
				    argv[i + 1]);
		cfg->set[k] = true;
	}
	return 0;
}

static int parse_timeout_set(int argc, char **argv, struct hp_req *req,
			     struct hp_err *err)
{
	if (argc == 0)
		return fail(err, "missing NAME SECONDS after `set'");
	return parse_settings(argc, argv, req, HP_CFG_TIMEOUT_ALIAS, err);
}

static int parse_config_set(int argc, char **argv, struct hp_req *req,
			    struct hp_err *err)
{
	if (argc == 0)
		return fail(err, "missing `conn_max', `rules_max' or "
			    "`filtering' after `set'");
	return parse_settings(argc, argv, req, HP_CFG_CONFIG, err);
}

static int parse_timeout_show(int argc, char **argv, struct hp_req *req,
			      struct hp_err *err)
{
	req->cfg_groups = HP_CFG_TIMEOUT_ALIAS;
	return parse_none(argc, argv, req, err);
}

static int parse_config_show(int argc, char **argv, struct hp_req *req,
			     struct hp_err *err)
{
	req->cfg_groups = HP_CFG_CONFIG;
	return parse_none(argc, argv, req, err);
}

static int parse_restore_args(int argc, char **argv, struct hp_req *req,
			      struct hp_err *err)
{
	if (argc > 1)
		return fail(err, "unexpected argument `%s'", argv[1]);
	req->file = argc ? argv[0] : NULL;
	return 0;
}

/* "A.B.C.D" or "A.B.C.D:PORT"; *port 0 if absent. */
static bool get_endpoint(const char *s, uint32_t *addr, uint16_t *port)
{
	char buf[INET_ADDRSTRLEN + 6];
	const char *colon = strchr(s, ':');
	uint32_t p;

	*port = 0;
	if (!colon)
		return get_addr(s, addr);
	if ((size_t)(colon - s) >= INET_ADDRSTRLEN ||
	    !get_u32(colon + 1, 1, 65535, &p))
		return false;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = '\0';
	*port = (uint16_t)p;
	return get_addr(buf, addr);
}

/* explain [iif DEV] src ADDR[:PORT] dst ADDR:PORT proto tcp|udp */
static int parse_explain(int argc, char **argv, struct hp_req *req,
			 struct hp_err *err)
{
	static const char *const kw[] = { "iif", "src", "dst", "proto" };
	struct hp_xq *q = &req->xq;
	unsigned int seen = 0, k;
	int i;

	for (i = 0; i < argc; i += 2) {
		for (k = 0; k < 4 && strcmp(argv[i], kw[k]); k++)
			;
		if (k == 4)
			return fail(err, "unknown keyword `%s'", argv[i]);
		if (seen & (1U << k))
			return fail(err, "duplicate keyword `%s'", argv[i]);
		seen |= 1U << k;
		if (i + 1 >= argc)
			return missing_value(err, argv[i]);
		if (k == 0 && (!argv[i + 1][0] ||
			       strlen(argv[i + 1]) >= IFNAMSIZ))
			return fail(err, "invalid interface `%s'", argv[i + 1]);
		if (k == 0)
			strcpy(q->iif, argv[i + 1]);
		if (k == 1 && !get_endpoint(argv[i + 1], &q->src, &q->sport))
			return fail(err, "invalid address `%s'", argv[i + 1]);
		if (k == 2 && (!get_endpoint(argv[i + 1], &q->dst, &q->dport) ||
			       !q->dport))
			return fail(err, "invalid ADDR:PORT `%s'", argv[i + 1]);
		if (k == 3 && !get_proto(argv[i + 1], &q->proto))
			return fail(err, "invalid protocol `%s'", argv[i + 1]);
	}
	for (k = 1; k < 4; k++)
		if (!(seen & (1U << k)))
			return fail(err, "missing `%s'", kw[k]);
	return 0;
}

static int parse_help(int argc, char **argv, struct hp_req *req,
		      struct hp_err *err)
{
	const struct hp_obj *o;

	if (argc > 1)
		return fail(err, "unexpected argument `%s'", argv[1]);
	if (argc == 0)
		return 0;
	for (o = hp_objs; o->name; o++)
		if (!strcmp(o->name, argv[0])) {
			req->help = o;
			return 0;
		}
	return fail(err, "unknown object `%s'", argv[0]);
}

const char hp_usage_main[] =
	"hairpin [-j|--json] [-n NETNS] OBJECT COMMAND [ARGS]";

#define RULE_ADD_DNAT "[iif DEV] [src PREFIX] dst ADDR|local proto tcp|udp " \
	"dport PORT[-PORT] to ADDR[:PORT[-PORT]] [noreflect] " \
	"[reflect-src internal|external]"
#define RULE_ADD_SNAT "[oif DEV] [src PREFIX] [dst PREFIX] " \
	"[proto tcp|udp [dport PORT[-PORT]]] to ADDR | masquerade"

static const struct hp_cmd dnat_cmds[] = {
	{ "add", HP_OP_RULE_ADD, parse_add, "dnat add " RULE_ADD_DNAT,
	  "add a port forward" },
	{ "del", HP_OP_RULE_DEL, parse_del, "dnat del ID | MATCH",
	  "delete a port forward by id or by its match (as for add)" },
	{ "list", HP_OP_RULE_LIST, parse_none, "dnat list",
	  "list port forwards with their counters" },
	{ .name = NULL }
};

static const struct hp_cmd snat_cmds[] = {
	{ "add", HP_OP_RULE_ADD, parse_add, "snat add " RULE_ADD_SNAT,
	  "add a source NAT rule (first match wins)" },
	{ "del", HP_OP_RULE_DEL, parse_del, "snat del ID | MATCH",
	  "delete a source NAT rule by id or by its match (as for add)" },
	{ "list", HP_OP_RULE_LIST, parse_none, "snat list",
	  "list source NAT rules with their counters" },
	{ .name = NULL }
};

static const struct hp_cmd conn_cmds[] = {
	{ "list", HP_OP_CONN_LIST, parse_conn_list,
	  "conn list [proto tcp|udp] [addr ADDR] [port PORT]",
	  "list connections; addr and port match either side" },
	{ "flush", HP_OP_CONN_FLUSH, parse_none, "conn flush",
	  "forget every connection" },
	{ .name = NULL }
};

static const struct hp_cmd timeout_cmds[] = {
	{ "show", HP_OP_TIMEOUT_SHOW, parse_timeout_show, "timeout show",
	  "show the timeouts in seconds (and, deprecated, the limits)" },
	{ "set", HP_OP_TIMEOUT_SET, parse_timeout_set,
	  "timeout set NAME SECONDS [NAME SECONDS ...]",
	  "set timeouts by the names `timeout show' prints" },
	{ .name = NULL }
};

static const struct hp_cmd config_cmds[] = {
	{ "show", HP_OP_CONFIG_SHOW, parse_config_show, "config show",
	  "show the limits conn_max and rules_max" },
	{ "set", HP_OP_CONFIG_SET, parse_config_set,
	  "config set [conn_max N] [rules_max N] [filtering BEHAVIOUR]",
	  "set conn_max (connections) or rules_max (rules per kind)" },
	{ .name = NULL }
};

#define TIMEOUT_ALIAS_NOTE \
	"Deprecated (removed in the next release): `timeout set' also " \
	"takes conn_max and rules_max, and `timeout show' also prints " \
	"them, its output unchanged until then; use `config'."

#define SINGLE(var, op, parse, usage, desc)				\
	static const struct hp_cmd var[] = {				\
		{ "", op, parse, usage, desc }, { .name = NULL }	\
	}

SINGLE(stats_cmds, HP_OP_STATS, parse_none, "stats",
       "show the namespace's counters");
SINGLE(flush_cmds, HP_OP_FLUSH, parse_none, "flush",
       "delete every rule (connections stay until they expire)");
SINGLE(save_cmds, HP_OP_SAVE, parse_none, "save",
       "print the rule set as restore lines");
SINGLE(restore_cmds, HP_OP_RESTORE, parse_restore_args,
       "restore [FILE|-]",
       "replace the rule set atomically: all lines or none");
SINGLE(monitor_cmds, HP_OP_MONITOR, parse_none, "monitor",
       "print connection events until interrupted");
SINGLE(explain_cmds, HP_OP_EXPLAIN, parse_explain,
       "explain [iif DEV] src ADDR[:PORT] dst ADDR:PORT proto tcp|udp",
       "show what the first packet of such a connection meets, step by step");
SINGLE(help_cmds, HP_OP_HELP, parse_help, "help [OBJECT] | --version",
       "show this help, or the help of one object");

const struct hp_obj hp_objs[] = {
	{ "dnat", HP_DNAT, dnat_cmds, "port forwards (destination NAT)", NULL },
	{ "snat", HP_SNAT, snat_cmds, "source NAT and masquerade", NULL },
	{ "conn", HP_DNAT, conn_cmds, "the connection table", NULL },
	{ "stats", HP_DNAT, stats_cmds, "counters", NULL },
	{ "timeout", HP_DNAT, timeout_cmds, "timeouts", TIMEOUT_ALIAS_NOTE },
	{ "config", HP_DNAT, config_cmds, "limits", NULL },
	{ "flush", HP_DNAT, flush_cmds, "delete all rules", NULL },
	{ "save", HP_DNAT, save_cmds, "print the rule set", NULL },
	{ "restore", HP_DNAT, restore_cmds, "load a rule set", NULL },
	{ "monitor", HP_DNAT, monitor_cmds, "watch connection events", NULL },
	{ "explain", HP_DNAT, explain_cmds, "why a connection is translated as it is",
	  NULL },
	{ "help", HP_DNAT, help_cmds, "help", NULL },
	{ .name = NULL }
};

static int parse_object(const struct hp_obj *o, int argc, char **argv,
			struct hp_req *req, struct hp_err *err)
{
	const struct hp_cmd *c = o->cmds;

	req->kind = o->kind;
	if (argc > 0 && !strcmp(argv[0], "help") && c->name[0]) {
		req->op = HP_OP_HELP;
		req->help = o;
		return parse_none(argc - 1, argv + 1, req, err);
	}
	if (c->name[0]) {
		if (argc == 0)
			return fail(err, "missing command after `%s'",
				    o->name);
		for (; c->name && strcmp(c->name, argv[0]); c++)
			;
		if (!c->name)
			return fail(err, "unknown command `%s'", argv[0]);
		argc--;
		argv++;
	} else if (argc > 0 && !strcmp(argv[0], "help")) {
		req->op = HP_OP_HELP;
		req->help = o;
		return parse_none(argc - 1, argv + 1, req, err);
	}
	req->op = c->op;
	return c->parse(argc, argv, req, err);
}

static bool valid_netns(const char *s)
{
	return *s && strlen(s) < NAME_MAX && !strchr(s, '/') &&
	       strcmp(s, ".") && strcmp(s, "..");
}

int hp_parse_args(int argc, char **argv, struct hp_req *req,
		  struct hp_err *err)
{
	const struct hp_obj *o;
	int i;

	memset(req, 0, sizeof(*req));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			req->json = true;
		} else if (!strcmp(argv[i], "-n") ||
			   !strcmp(argv[i], "--netns")) {
			if (++i >= argc)
				return missing_value(err, argv[i - 1]);
			if (!valid_netns(argv[i]))
				return fail(err, "invalid netns name `%s'",
					    argv[i]);
			req->netns = argv[i];
		} else if (!strcmp(argv[i], "-V") ||
			   !strcmp(argv[i], "--version")) {
			req->op = HP_OP_VERSION;
			return parse_none(argc - i - 1, argv + i + 1, req, err);
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			req->op = HP_OP_HELP;
			return parse_help(argc - i - 1, argv + i + 1, req, err);
		} else {
			return fail(err, "unknown option `%s'", argv[i]);
		}
	}
	if (i >= argc)
		return fail(err, "missing OBJECT; try `hairpin help'");
	for (o = hp_objs; o->name; o++)
		if (!strcmp(o->name, argv[i]))
			return parse_object(o, argc - i - 1, argv + i + 1,
					    req, err);
	return fail(err, "unknown object `%s'", argv[i]);
}

/* r may point into rs itself. */
int hp_ruleset_push(struct hp_ruleset *rs, const struct hp_rule *r)
{
	struct hp_rule copy = *r, *n;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 16;
		n = realloc(rs->rules, rs->cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		rs->rules = n;
	}
	rs->rules[rs->n++] = copy;
	return 0;
}

void hp_ruleset_free(struct hp_ruleset *rs)
{
	free(rs->rules);
	memset(rs, 0, sizeof(*rs));
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Splits a line in place; a token starting with '#' ends it. */
static int split(char *line, char **tok, int max)
{
	int n = 0;

	for (;;) {
		while (is_blank(*line))
			line++;
		if (!*line || *line == '#' || n == max)
			return n;
		tok[n++] = line;
		while (*line && !is_blank(*line))
			line++;
		if (*line)
			*line++ = '\0';
	}
}

static int restore_line(char **tok, int n, struct hp_rule *r, bool *rule,
			struct hp_err *err)
{
	int i = 0;

	*rule = false;
	if (n > 0 && !strcmp(tok[0], "hairpin"))
		i++;
	if (i == n)
		return fail(err, "missing command");
	if (!strcmp(tok[i], "flush"))
		return parse_none(n - i - 1, tok + i + 1, NULL, err);
	if (strcmp(tok[i], "dnat") && strcmp(tok[i], "snat"))
		return fail(err, "unknown command `%s'", tok[i]);
	if (i + 1 == n)
		return fail(err, "missing `add' after `%s'", tok[i]);
	if (strcmp(tok[i + 1], "add"))
		return fail(err, "unknown command `%s'", tok[i + 1]);
	*rule = true;
	return hp_parse_rule(tok[i][0] == 'd' ? HP_DNAT : HP_SNAT, false,
			     n - i - 2, tok + i + 2, r, err);
}

int hp_parse_restore(const char *text, size_t len, struct hp_ruleset *rs,
		     struct hp_err *err)
{
	struct hp_err e;
	struct hp_rule r;
	unsigned int lineno = 0;
	size_t pos = 0, end;
	char *line = NULL, **tok = NULL;
	bool rule;
	int n, ret = 0;

	memset(rs, 0, sizeof(*rs));
	while (pos < len && !ret) {
		lineno++;
		for (end = pos; end < len && text[end] != '\n'; end++)
			;
		if (memchr(text + pos, '\0', end - pos)) {
			ret = fail(err, "line %u: NUL character", lineno);
			break;
		}
		free(line);
		free(tok);
		line = malloc(end - pos + 1);
		tok = malloc(((end - pos) / 2 + 1) * sizeof(*tok));
		if (!line || !tok) {
			ret = fail(err, "out of memory");
			break;
		}
		memcpy(line, text + pos, end - pos);
		line[end - pos] = '\0';
		n = split(line, tok, (int)((end - pos) / 2 + 1));
		pos = end + 1;
		if (n == 0)
			continue;
		if (restore_line(tok, n, &r, &rule, &e))
			ret = fail(err, "line %u: %s", lineno, e.msg);
		else if (rule && hp_ruleset_push(rs, &r))
			ret = fail(err, "out of memory");
	}
	free(line);
	free(tok);
	if (ret)
		hp_ruleset_free(rs);
	return ret;
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + (o->len < o->size ? o->len : o->size),
		      o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

const char *hp_fmt_prefix(uint32_t addr, uint8_t plen, char *buf)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (plen == 32)
		snprintf(buf, HP_PREFIX_LEN, "%s", a);
	else
		snprintf(buf, HP_PREFIX_LEN, "%s/%u", a, plen);
	return buf;
}

const char *hp_fmt_ports(uint16_t min, uint16_t max, char *buf)
{
	if (min == max)
		snprintf(buf, HP_PORTS_LEN, "%u", min);
	else
		snprintf(buf, HP_PORTS_LEN, "%u-%u", min, max);
	return buf;
}

/* "ADDR[:PORT[-PORT]]", or "" for a masquerade. */
const char *hp_fmt_to(const struct hp_rule *r, char *buf)
{
	char a[HP_PREFIX_LEN], p[HP_PORTS_LEN];

	buf[0] = '\0';
	if (!(r->has & HP_R_TO))
		return buf;
	hp_fmt_prefix(r->to, 32, a);
	if (r->kind == HP_DNAT && (r->has & HP_R_TO_PORT))
		snprintf(buf, HP_TO_LEN, "%s:%s", a,
			 hp_fmt_ports(r->to_port_min, r->to_port_max, p));
	else
		snprintf(buf, HP_TO_LEN, "%s", a);
	return buf;
}

/*
 * The rule as "dnat add ..." / "snat add ...", the form restore reads.
 * Returns the length it needed, as snprintf.
 */
int hp_format_rule(const struct hp_rule *r, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };
	bool dnat = r->kind == HP_DNAT;
	char a[HP_TO_LEN], p[HP_PORTS_LEN];

	if (size)
		buf[0] = '\0';
	put(&o, "%s add", dnat ? "dnat" : "snat");
	if (r->has & HP_R_IF)
		put(&o, " %s %s", dnat ? "iif" : "oif", r->ifname);
	if (r->has & HP_R_SRC)
		put(&o, " src %s", hp_fmt_prefix(r->src, r->src_plen, a));
	if (dnat && (r->flags & NFHP_DNAT_F_LOCAL))
		put(&o, " dst local");
	else if (r->has & HP_R_DST)
		put(&o, " dst %s",
		    hp_fmt_prefix(r->dst, dnat ? 32 : r->dst_plen, a));
	if (r->has & HP_R_PROTO)
		put(&o, " proto %s", hp_proto_name(r->proto, p, sizeof(p)));
	if (r->has & HP_R_DPORT)
		put(&o, " dport %s", hp_fmt_ports(r->dport_min, r->dport_max,
						  p));
	if (r->has & HP_R_TO)
		put(&o, " to %s", hp_fmt_to(r, a));
	if (dnat && (r->flags & NFHP_DNAT_F_NOREFLECT))
		put(&o, " noreflect");
	if (dnat && (r->flags & NFHP_DNAT_F_REFLECT_EXTERNAL))
		put(&o, " reflect-src external");
	if (!dnat && (r->flags & NFHP_SNAT_F_MASQUERADE))
		put(&o, " masquerade");
	return (int)o.len;
}

/* The same rule set entry, ignoring id and counters. */
bool hp_rule_equal(const struct hp_rule *a, const struct hp_rule *b)
{
	unsigned int has = a->has & ~(HP_R_ID | HP_R_STATS);

	if (a->kind != b->kind || has != (b->has & ~(HP_R_ID | HP_R_STATS)) ||
	    a->flags != b->flags)
		return false;
	if ((has & HP_R_IF) && strcmp(a->ifname, b->ifname))
		return false;
	if ((has & HP_R_SRC) &&
	    (a->src != b->src || a->src_plen != b->src_plen))
		return false;
	if ((has & HP_R_DST) &&
	    (a->dst != b->dst || a->dst_plen != b->dst_plen))
		return false;
	if ((has & HP_R_PROTO) && a->proto != b->proto)
		return false;
	if ((has & HP_R_DPORT) && (a->dport_min != b->dport_min ||
				   a->dport_max != b->dport_max))
		return false;
	if ((has & HP_R_TO) && a->to != b->to)
		return false;
	if ((has & HP_R_TO_PORT) && (a->to_port_min != b->to_port_min ||
				     a->to_port_max != b->to_port_max))
		return false;
	return true;
}

static bool tuple_has(const struct hp_tuple *t, const struct hp_filter *f)
{
	if ((f->has & HP_F_ADDR) && t->src != f->addr && t->dst != f->addr)
		return false;
	if ((f->has & HP_F_PORT) && t->sport != f->port && t->dport != f->port)
		return false;
	return true;
}

/* addr and port may each match any of the four of either tuple. */
bool hp_conn_match(const struct hp_conn *c, const struct hp_filter *f)
{
	struct hp_filter a = { f->has & HP_F_ADDR, 0, f->addr, 0 };
	struct hp_filter p = { f->has & HP_F_PORT, 0, 0, f->port };

	if ((f->has & HP_F_PROTO) && c->proto != f->proto)
		return false;
	return (tuple_has(&c->orig, &a) || tuple_has(&c->reply, &a)) &&
	       (tuple_has(&c->orig, &p) || tuple_has(&c->reply, &p));
}
