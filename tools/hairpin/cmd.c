// SPDX-License-Identifier: GPL-2.0
/*
 * The commands: each runs one parsed request against the kernel (through
 * nl.c) and prints the answer (through print.c).  Each returns an exit code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include "hairpin.h"

static const uint8_t cmd_of[][3] = {
	/*         add               del               get */
	[HP_DNAT] = { NFHP_CMD_DNAT_ADD, NFHP_CMD_DNAT_DEL, NFHP_CMD_DNAT_GET },
	[HP_SNAT] = { NFHP_CMD_SNAT_ADD, NFHP_CMD_SNAT_DEL, NFHP_CMD_SNAT_GET },
};

static int exit_of(int ret)
{
	return ret < 0 ? HP_EXIT_FAIL : HP_EXIT_OK;
}

/* A request without attributes and without an answer to print. */
static int simple(uint8_t cmd)
{
	struct hp_nl_req nr = { .cmd = cmd };

	return exit_of(hp_nl_talk(&nr));
}

static int build_rule(struct nlmsghdr *nlh, size_t size, const void *arg)
{
	const struct hp_rule *r = arg;

	return hp_msg_put_rule(nlh, size, r, r->has & HP_R_ID);
}

static int run_rule_change(const struct hp_req *req)
{
	struct hp_nl_req nr = {
		.cmd = cmd_of[req->kind][req->op == HP_OP_RULE_DEL],
		.build = build_rule,
		.arg = &req->rule,
	};

	return exit_of(hp_nl_talk(&nr));
}

/* Dumps collect everything first: columns need widths, retries a reset. */
struct rule_dump {
	enum hp_kind kind;
	struct hp_ruleset rs;
	size_t keep;			/* rules there before this dump */
};

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_dump *d = data;
	struct hp_rule r;

	if (hp_msg_get_rule(nlh, d->kind, &r) < 0)
		return MNL_CB_ERROR;
	if (hp_ruleset_push(&d->rs, &r) < 0) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* RULES_GET: each message says its kind by its command. */
static int rules_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct rule_dump *d = data;

	d->kind = g->cmd == NFHP_CMD_SNAT_GET ? HP_SNAT : HP_DNAT;
	return rule_cb(nlh, data);
}

static void rule_reset(void *data)
{
	struct rule_dump *d = data;

	d->rs.n = d->keep;
}

/* Appends every rule of one kind to *rs, in id order. */
static int dump_rules(enum hp_kind kind, struct hp_ruleset *rs)
{
	struct rule_dump d = { kind, *rs, rs->n };
	struct hp_nl_req nr = {
		.cmd = cmd_of[kind][2],
		.flags = NLM_F_DUMP,
		.cb = rule_cb,
		.data = &d,
		.reset = rule_reset,
	};
	int ret = hp_nl_talk(&nr);

	*rs = d.rs;
	return ret;
}

static int print_tbl(struct hp_tbl *t)
{
	if (hp_tbl_print(t, stdout) < 0) {
		fprintf(stderr, "hairpin: out of memory\n");
		return HP_EXIT_FAIL;
	}
	return HP_EXIT_OK;
}

static int run_rule_list(const struct hp_req *req)
{
	struct hp_ruleset rs = { 0 };
	struct hp_tbl *t;

	if (dump_rules(req->kind, &rs) < 0) {
		hp_ruleset_free(&rs);
		return HP_EXIT_FAIL;
	}
	t = hp_tbl_new(req->json, false);
	if (t)
		hp_print_rules(t, &rs);
	hp_ruleset_free(&rs);
	return print_tbl(t);
}

struct conn_dump {
	const struct hp_filter *filter;
	struct hp_connset cs;
};

static int conn_cb(const struct nlmsghdr *nlh, void *data)
{
	struct conn_dump *d = data;
	struct hp_conn c, *n;

	if (hp_msg_get_conn(nlh, &c) < 0)
		return MNL_CB_ERROR;
	if (!hp_conn_match(&c, d->filter))
		return MNL_CB_OK;
	if (d->cs.n == d->cs.cap) {
		d->cs.cap = d->cs.cap ? d->cs.cap * 2 : 64;
		n = realloc(d->cs.conns, d->cs.cap * sizeof(*n));
		if (!n) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		d->cs.conns = n;
	}
	d->cs.conns[d->cs.n++] = c;
	return MNL_CB_OK;
}

static void conn_reset(void *data)
{
	struct conn_dump *d = data;

	free(d->cs.conns);
	memset(&d->cs, 0, sizeof(d->cs));
}

static int run_conn_list(const struct hp_req *req)
{
	struct conn_dump d = { .filter = &req->filter };
	struct hp_nl_req nr = {
		.cmd = NFHP_CMD_CONN_GET,
		.flags = NLM_F_DUMP,
		.cb = conn_cb,
		.data = &d,
		.reset = conn_reset,
	};
	struct hp_tbl *t = NULL;

	if (hp_nl_talk(&nr) == 0) {
		t = hp_tbl_new(req->json, false);
		if (t)
			hp_print_conns(t, &d.cs);
	}
	conn_reset(&d);
	return t ? print_tbl(t) : HP_EXIT_FAIL;
}

static int run_conn_flush(const struct hp_req *req)
{
	(void)req;
	return simple(NFHP_CMD_CONN_FLUSH);
}

static int run_flush(const struct hp_req *req)
{
	(void)req;
	return simple(NFHP_CMD_FLUSH);
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	return hp_msg_get_stats(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	return hp_msg_get_config(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* stats, timeout show and config show: one answer, printed as an object */
static int run_show(const struct hp_req *req)
{
	bool stats = req->op == HP_OP_STATS;
	struct hp_stats st = { 0 };
	struct hp_config cfg = { 0 };
	struct hp_nl_req nr = {
		.cmd = stats ? NFHP_CMD_STATS_GET : NFHP_CMD_CONFIG_GET,
		.cb = stats ? stats_cb : config_cb,
		.data = stats ? (void *)&st : (void *)&cfg,
	};
	struct hp_tbl *t;

	if (hp_nl_talk(&nr) < 0)
		return HP_EXIT_FAIL;
	t = hp_tbl_new(req->json, true);
	if (t && stats)
		hp_print_stats(t, &st);
	else if (t)
		hp_print_config(t, &cfg, req->cfg_groups);
	return print_tbl(t);
}

static int build_config(struct nlmsghdr *nlh, size_t size, const void *arg)
{
	return hp_msg_put_config(nlh, size, arg);
}

/* timeout set and config set: the parser let only their settings in */
static int run_config_set(const struct hp_req *req)
{
	struct hp_nl_req nr = {
		.cmd = NFHP_CMD_CONFIG_SET,
		.build = build_config,
		.arg = &req->cfg,
	};

	return exit_of(hp_nl_talk(&nr));
}

static int run_save(const struct hp_req *req)
{
	struct rule_dump d = { HP_DNAT, { 0 }, 0 };
	struct hp_nl_req nr = {
		.cmd = NFHP_CMD_RULES_GET,
		.flags = NLM_F_DUMP,
		.cb = rules_cb,
		.data = &d,
		.reset = rule_reset,
	};
	char line[512];
	size_t i;
	int ret = HP_EXIT_FAIL;

	(void)req;
	/* One dump of the whole set, again if it changed meanwhile: a saved
	 * file is one rule set, never half of two.
	 */
	if (hp_nl_talk(&nr) < 0)
		goto out;
	for (i = 0; i < d.rs.n; i++) {
		hp_format_rule(&d.rs.rules[i], line, sizeof(line));
		printf("%s\n", line);
	}
	ret = HP_EXIT_OK;
out:
	hp_ruleset_free(&d.rs);
	return ret;
}

static char *read_all(const char *file, size_t *len)
{
	FILE *f = stdin;
	char *buf = NULL, *n;
	size_t cap = 0, got;

	*len = 0;
	if (file && strcmp(file, "-")) {
		f = fopen(file, "r");
		if (!f) {
			fprintf(stderr, "hairpin: cannot open `%s': %s\n",
				file, strerror(errno));
			return NULL;
		}
	}
	do {
		if (cap - *len < 4096) {
			cap = cap ? cap * 2 : 65536;
			n = realloc(buf, cap);
			if (!n) {
				fprintf(stderr, "hairpin: out of memory\n");
				free(buf);
				buf = NULL;
				break;
			}
			buf = n;
		}
		got = fread(buf + *len, 1, cap - *len, f);
		*len += got;
	} while (got);
	if (buf && ferror(f)) {
		fprintf(stderr, "hairpin: cannot read `%s': %s\n",
			file ? file : "-", strerror(errno));
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

static int build_rules(struct nlmsghdr *nlh, size_t size, const void *arg)
{
	return hp_msg_put_rules(nlh, size, arg);
}

static int run_restore(const struct hp_req *req)
{
	struct hp_ruleset rs;
	struct hp_err err;
	struct hp_nl_req nr = { .cmd = NFHP_CMD_REPLACE, .build = build_rules };
	size_t len;
	char *text = read_all(req->file, &len);
	int ret;

	if (!text)
		return HP_EXIT_FAIL;
	ret = hp_parse_restore(text, len, &rs, &err);
	free(text);
	/*
	 * The whole file is parsed before anything is sent: a bad line
	 * leaves the running rules as they are (systemctl reload relies on
	 * it).  The message names the file, so that the journal does too.
	 */
	if (ret) {
		if (req->file && strcmp(req->file, "-"))
			fprintf(stderr, "hairpin: %s: %s\n", req->file, err.msg);
		else
			fprintf(stderr, "hairpin: %s\n", err.msg);
		return ret;
	}
	nr.arg = &rs;
	nr.size = hp_msg_rules_size(&rs);
	ret = exit_of(hp_nl_talk(&nr));
	hp_ruleset_free(&rs);
	return ret;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const bool *json = data;
	struct hp_conn c;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*g) ||
	    (g->cmd != NFHP_CMD_CONN_NEW && g->cmd != NFHP_CMD_CONN_DESTROY))
		return MNL_CB_OK;
	if (hp_msg_get_conn(nlh, &c) < 0) {
		fprintf(stderr, "hairpin: malformed event skipped\n");
		return MNL_CB_OK;
	}
	hp_print_event(stdout, *json, g->cmd, &c);
	fflush(stdout);
	return MNL_CB_OK;
}

static int run_monitor(const struct hp_req *req)
{
	bool json = req->json;

	return exit_of(hp_nl_monitor(event_cb, &json));
}

static int build_explain(struct nlmsghdr *nlh, size_t size, const void *arg)
{
	return hp_msg_put_explain(nlh, size, arg);
}

static int explain_cb(const struct nlmsghdr *nlh, void *data)
{
	return hp_msg_get_explain(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int run_explain(const struct hp_req *req)
{
	struct hp_xa a = { 0 };
	struct hp_nl_req nr = {
		.cmd = NFHP_CMD_EXPLAIN,
		.build = build_explain,
		.arg = &req->xq,
		.cb = explain_cb,
		.data = &a,
	};

	if (hp_nl_talk(&nr) < 0)
		return HP_EXIT_FAIL;
	if (hp_print_explain(stdout, req->json, &req->xq, &a) < 0) {
		fprintf(stderr, "hairpin: out of memory\n");
		return HP_EXIT_FAIL;
	}
	return HP_EXIT_OK;
}

static int run_help(const struct hp_req *req)
{
	hp_print_usage(stdout, req->help);
	return HP_EXIT_OK;
}

static int run_version(const struct hp_req *req)
{
	(void)req;
	printf("hairpin %s\n", hp_version);
	return HP_EXIT_OK;
}

static int (*const runs[HP_OP_MAX])(const struct hp_req *req) = {
	[HP_OP_HELP]		= run_help,
	[HP_OP_VERSION]		= run_version,
	[HP_OP_RULE_ADD]	= run_rule_change,
	[HP_OP_RULE_DEL]	= run_rule_change,
	[HP_OP_RULE_LIST]	= run_rule_list,
	[HP_OP_CONN_LIST]	= run_conn_list,
	[HP_OP_CONN_FLUSH]	= run_conn_flush,
	[HP_OP_STATS]		= run_show,
	[HP_OP_TIMEOUT_SHOW]	= run_show,
	[HP_OP_TIMEOUT_SET]	= run_config_set,
	[HP_OP_CONFIG_SHOW]	= run_show,
	[HP_OP_CONFIG_SET]	= run_config_set,
	[HP_OP_FLUSH]		= run_flush,
	[HP_OP_SAVE]		= run_save,
	[HP_OP_RESTORE]		= run_restore,
	[HP_OP_MONITOR]		= run_monitor,
	[HP_OP_EXPLAIN]		= run_explain,
};

int hp_run(const struct hp_req *req)
{
	if (req->op != HP_OP_HELP && req->op != HP_OP_VERSION &&
	    req->netns && hp_nl_enter_netns(req->netns) < 0)
		return HP_EXIT_FAIL;
	return runs[req->op](req);
}
