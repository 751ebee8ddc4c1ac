/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hairpin: the command line interface of nf_hairpin.
 *
 * parse.c turns argv (or restore text) into a struct hp_req without any I/O;
 * msg.c turns requests into netlink messages and netlink answers back into
 * structs, also without I/O; nl.c is the only file that talks to the
 * kernel; print.c renders text and JSON; cmd.c runs the commands.
 */
#ifndef HAIRPIN_H
#define HAIRPIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <jansson.h>

#include "../../uapi/linux/nf_hairpin.h"

/* Exit codes. */
#define HP_EXIT_OK	0
#define HP_EXIT_FAIL	1	/* the kernel or the system said no */
#define HP_EXIT_USAGE	2	/* bad command line or restore file */

enum hp_kind {
	HP_DNAT,
	HP_SNAT,
};

/* What a rule has; dport/to ports are in host order, addresses in network
 * order, as they travel.
 */
#define HP_R_IF		(1U << 0)
#define HP_R_SRC	(1U << 1)
#define HP_R_DST	(1U << 2)
#define HP_R_PROTO	(1U << 3)
#define HP_R_DPORT	(1U << 4)
#define HP_R_TO		(1U << 5)
#define HP_R_TO_PORT	(1U << 6)
#define HP_R_ID		(1U << 7)
#define HP_R_STATS	(1U << 8)

struct hp_rule {
	enum hp_kind kind;
	unsigned int has;		/* HP_R_* */
	uint32_t id;
	char ifname[IFNAMSIZ];		/* iif (dnat) or oif (snat) */
	uint32_t src, dst, to;		/* network order */
	uint8_t src_plen, dst_plen;
	uint8_t proto;
	uint16_t dport_min, dport_max;
	uint16_t to_port_min, to_port_max;
	uint32_t flags;			/* NFHP_[DS]NAT_F_* */
	uint64_t packets, bytes, conns;
};

struct hp_ruleset {
	struct hp_rule *rules;
	size_t n, cap;
};

/* A connection, as NFHP_A_CONN carries it. */
struct hp_tuple {
	uint32_t src, dst;		/* network order */
	uint16_t sport, dport;		/* host order */
};

#define HP_C_DNAT_ID	(1U << 0)
#define HP_C_SNAT_ID	(1U << 1)

struct hp_conn {
	unsigned int has;		/* HP_C_* */
	uint8_t proto, state;
	uint32_t timeout;
	struct hp_tuple orig, reply;
	uint32_t dnat_id, snat_id;
	uint32_t flags;			/* NFHP_CONN_F_* */
};

struct hp_connset {
	struct hp_conn *conns;
	size_t n, cap;
};

#define HP_F_PROTO	(1U << 0)
#define HP_F_ADDR	(1U << 1)
#define HP_F_PORT	(1U << 2)

struct hp_filter {
	unsigned int has;		/* HP_F_* */
	uint8_t proto;
	uint32_t addr;			/* network order */
	uint16_t port;			/* host order */
};

#define HP_CFG_N	NFHP_CFG_A_MAX

/* NFHP_CFG_A_* settings; set[i] says whether val[i] is present. */
struct hp_config {
	bool set[HP_CFG_N + 1];
	uint32_t val[HP_CFG_N + 1];
};

/*
 * The settings come in two groups, one object each: `timeout' has the
 * timeouts, `config' the limits (conn_max, rules_max).  What `timeout'
 * covers until the deprecated spelling goes (one release): `timeout set'
 * still takes the limits and `timeout show' still prints them, as before.
 */
#define HP_CFG_TIMEOUTS		(1U << 0)
#define HP_CFG_LIMITS		(1U << 1)
#define HP_CFG_BEHAVIOUR	(1U << 2)	/* filtering */
#define HP_CFG_TIMEOUT_ALIAS	(HP_CFG_TIMEOUTS | HP_CFG_LIMITS)
#define HP_CFG_CONFIG		(HP_CFG_LIMITS | HP_CFG_BEHAVIOUR)

/* NFHP_STATS_A_* counters. */
struct hp_stats {
	bool set[NFHP_STATS_A_MAX + 1];
	uint64_t val[NFHP_STATS_A_MAX + 1];
};

enum hp_op {
	HP_OP_HELP,
	HP_OP_VERSION,
	HP_OP_RULE_ADD,
	HP_OP_RULE_DEL,
	HP_OP_RULE_LIST,
	HP_OP_CONN_LIST,
	HP_OP_CONN_FLUSH,
	HP_OP_STATS,
	HP_OP_TIMEOUT_SHOW,
	HP_OP_TIMEOUT_SET,
	HP_OP_CONFIG_SHOW,
	HP_OP_CONFIG_SET,
	HP_OP_FLUSH,
	HP_OP_SAVE,
	HP_OP_RESTORE,
	HP_OP_MONITOR,
	HP_OP_EXPLAIN,
	HP_OP_MAX
};

/* explain's question; addresses in network order, ports in host order. */
struct hp_xq {
	char iif[IFNAMSIZ];		/* "": the router's own packet */
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport;		/* sport 0: the kernel's default */
};

/* explain's answer. */
struct hp_xa {
	uint32_t verdict;		/* enum nfhp_explain_verdict */
	uint32_t snat;			/* enum nfhp_explain_snat */
	char oif[IFNAMSIZ];
	uint32_t gateway;		/* network order, 0: on-link */
	uint8_t rtype;
	uint32_t route_err;
	bool has_conn;
	struct hp_conn conn;
};

struct hp_obj;

struct hp_req {
	enum hp_op op;
	bool json;
	const char *netns;		/* -n NETNS, or NULL */
	enum hp_kind kind;		/* HP_OP_RULE_* */
	const struct hp_obj *help;	/* HP_OP_HELP: one object, or NULL */
	struct hp_rule rule;		/* RULE_ADD, RULE_DEL */
	struct hp_filter filter;	/* CONN_LIST */
	struct hp_config cfg;		/* TIMEOUT_SET, CONFIG_SET */
	unsigned int cfg_groups;	/* TIMEOUT_*, CONFIG_*: HP_CFG_* */
	const char *file;		/* RESTORE: NULL or "-" is stdin */
	struct hp_xq xq;		/* EXPLAIN */
};

/* A parse error: the message, without the "hairpin: " prefix. */
struct hp_err {
	char msg[256];
};

struct hp_cmd {
	const char *name;
	enum hp_op op;
	int (*parse)(int argc, char **argv, struct hp_req *req,
		     struct hp_err *err);
	const char *usage;		/* after "hairpin " */
	const char *desc;
};

struct hp_obj {
	const char *name;
	enum hp_kind kind;
	const struct hp_cmd *cmds;	/* ends with a NULL name */
	const char *desc;
	const char *note;		/* after the commands in help, or NULL */
};

/* parse.c: pure, no I/O */
extern const struct hp_obj hp_objs[];
extern const char hp_usage_main[];
extern const char *const hp_cfg_names[HP_CFG_N + 1];
extern const char *const hp_filtering_names[NFHP_FILTERING_MAX + 1];
unsigned int hp_cfg_group(int attr);
extern const char *const hp_stats_names[NFHP_STATS_A_MAX + 1];
extern const char *const hp_state_names[__NFHP_CONN_S_MAX];
int hp_parse_args(int argc, char **argv, struct hp_req *req,
		  struct hp_err *err);
int hp_parse_rule(enum hp_kind kind, bool del, int argc, char **argv,
		  struct hp_rule *r, struct hp_err *err);
int hp_parse_restore(const char *text, size_t len, struct hp_ruleset *rs,
		     struct hp_err *err);
#define HP_PREFIX_LEN	20	/* "255.255.255.255/255" */
#define HP_PORTS_LEN	12	/* "65535-65535" */
#define HP_TO_LEN	(HP_PREFIX_LEN + HP_PORTS_LEN)
const char *hp_fmt_prefix(uint32_t addr, uint8_t plen, char *buf);
const char *hp_fmt_ports(uint16_t min, uint16_t max, char *buf);
const char *hp_fmt_to(const struct hp_rule *r, char *buf);
int hp_format_rule(const struct hp_rule *r, char *buf, size_t size);
const char *hp_proto_name(uint8_t proto, char *buf, size_t size);
int hp_ruleset_push(struct hp_ruleset *rs, const struct hp_rule *r);
void hp_ruleset_free(struct hp_ruleset *rs);
bool hp_rule_equal(const struct hp_rule *a, const struct hp_rule *b);
bool hp_conn_match(const struct hp_conn *c, const struct hp_filter *f);

/* msg.c: pure, no I/O */
struct nlmsghdr *hp_msg_start(void *buf, uint16_t family, uint8_t cmd,
			      uint16_t flags, uint32_t seq);
int hp_msg_put_rule(struct nlmsghdr *nlh, size_t size,
		    const struct hp_rule *r, bool id_only);
int hp_msg_put_rules(struct nlmsghdr *nlh, size_t size,
		     const struct hp_ruleset *rs);
int hp_msg_put_config(struct nlmsghdr *nlh, size_t size,
		      const struct hp_config *cfg);
/* Start a new NFHP_A_RULES nest past this many bytes (a nest's length is
 * 16 bits; a rule takes at most 160).
 */
#define HP_RULES_NEST_MAX	(UINT16_MAX - 1024)
size_t hp_msg_rules_size(const struct hp_ruleset *rs);
int hp_msg_get_rule(const struct nlmsghdr *nlh, enum hp_kind kind,
		    struct hp_rule *r);
int hp_msg_get_conn(const struct nlmsghdr *nlh, struct hp_conn *c);
int hp_msg_put_explain(struct nlmsghdr *nlh, size_t size,
		       const struct hp_xq *q);
int hp_msg_get_explain(const struct nlmsghdr *nlh, struct hp_xa *a);
int hp_msg_get_stats(const struct nlmsghdr *nlh, struct hp_stats *st);
int hp_msg_get_config(const struct nlmsghdr *nlh, struct hp_config *cfg);

/* nl.c: all kernel talk */
struct hp_nl_req {
	uint8_t cmd;
	uint16_t flags;			/* NLM_F_DUMP or 0 */
	/* Fills the message after the genl header; size is the buffer's. */
	int (*build)(struct nlmsghdr *nlh, size_t size, const void *arg);
	const void *arg;
	size_t size;			/* request buffer, 0: default */
	mnl_cb_t cb;			/* for each answer message */
	void *data;
	void (*reset)(void *data);	/* before a dump is retried */
};
struct hp_nl_ans {
	mnl_cb_t cb;			/* for each answer message */
	void *data;
	char ext[256];			/* the kernel's extack message */
};
int hp_nl_run(const void *buf, size_t len, uint32_t seq, uint32_t portid,
	      struct hp_nl_ans *ans);
void hp_nl_report(FILE *f, int err, const char *ext);
int hp_nl_enter_netns(const char *name);
int hp_nl_talk(const struct hp_nl_req *req);
int hp_nl_monitor(mnl_cb_t cb, void *data);

/* print.c: one path for text and JSON.  A table collects rows of cells;
 * each cell has a column head (text) and a key and value (JSON), either
 * may be NULL.  An object table has one row, printed as "head value" lines
 * or as one JSON object; other tables print columns or a JSON array.
 */
struct hp_tbl;
struct hp_tbl *hp_tbl_new(bool json, bool object);
void hp_tbl_row(struct hp_tbl *t);
void hp_tbl_cell(struct hp_tbl *t, const char *head, const char *key,
		 json_t *jv, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int hp_tbl_print(struct hp_tbl *t, FILE *f);
void hp_tbl_free(struct hp_tbl *t);
void hp_print_rules(struct hp_tbl *t, const struct hp_ruleset *rs);
void hp_print_conns(struct hp_tbl *t, const struct hp_connset *cs);
void hp_print_stats(struct hp_tbl *t, const struct hp_stats *st);
void hp_print_config(struct hp_tbl *t, const struct hp_config *cfg,
		     unsigned int groups);
int hp_print_event(FILE *f, bool json, uint8_t cmd, const struct hp_conn *c);
int hp_print_explain(FILE *f, bool json, const struct hp_xq *q,
		     const struct hp_xa *a);
void hp_print_usage(FILE *f, const struct hp_obj *obj);
extern const char hp_version[];

/* cmd.c */
int hp_run(const struct hp_req *req);

#endif /* HAIRPIN_H */
