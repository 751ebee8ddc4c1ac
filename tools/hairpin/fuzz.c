// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the parser.  The first byte picks the input kind:
 * even, a command line (split into argv at blanks and NULs); odd, a restore
 * file.  Beyond not crashing, every rule that parses must survive
 * format -> parse and build -> decode unchanged, every setting that parses
 * must belong to its object (limits under config, timeouts under timeout,
 * both during the deprecated alias) and survive build -> decode, and every
 * error must be a usage error with a message.
 */
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/genetlink.h>

#include "hairpin.h"

#define MAX_ARGS 64

static void check(bool cond)
{
	if (!cond)
		abort();
}

static void check_rule(const struct hp_rule *r)
{
	char line[1024], buf[4096], *argv[MAX_ARGS], *tok, *save;
	struct hp_rule back;
	struct hp_err err;
	struct nlmsghdr *nlh;
	int argc = 0;

	/* format -> parse */
	check(hp_format_rule(r, line, sizeof(line)) < (int)sizeof(line));
	for (tok = strtok_r(line, " ", &save); tok && argc < MAX_ARGS;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	check(argc >= 2);
	check(hp_parse_rule(r->kind, false, argc - 2, argv + 2, &back,
			    &err) == 0);
	check(hp_rule_equal(r, &back));

	/* build -> decode */
	memset(buf, 0, sizeof(buf));
	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_DNAT_ADD, 0, 1);
	check(hp_msg_put_rule(nlh, sizeof(buf), r, false) == 0);
	check(hp_msg_get_rule(nlh, r->kind, &back) == 0);
	check(hp_rule_equal(r, &back));
}

static void check_config(const struct hp_req *req)
{
	struct hp_config back;
	char buf[1024];
	struct nlmsghdr *nlh;
	int i, n = 0;

	check(req->cfg_groups == (req->op == HP_OP_CONFIG_SET ? HP_CFG_CONFIG :
				  HP_CFG_TIMEOUT_ALIAS));
	for (i = 1; i <= HP_CFG_N; i++) {
		if (!req->cfg.set[i])
			continue;
		n++;
		check(hp_cfg_group(i) & req->cfg_groups);
		if (i == NFHP_CFG_A_FILTERING)
			check(req->cfg.val[i] <= NFHP_FILTERING_MAX);
		else
			check(req->cfg.val[i] >= 1);
	}
	check(n > 0);

	memset(buf, 0, sizeof(buf));
	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_CONFIG_SET, 0, 1);
	check(hp_msg_put_config(nlh, sizeof(buf), &req->cfg) == 0);
	check(hp_msg_get_config(nlh, &back) == 0);
	for (i = 1; i <= HP_CFG_N; i++)
		check(back.set[i] == req->cfg.set[i] &&
		      (!back.set[i] || back.val[i] == req->cfg.val[i]));
}

static void fuzz_args(const char *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 1];
	struct hp_req req;
	struct hp_err err;
	size_t i;
	int argc = 1, ret;

	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "hairpin";
	for (i = 0; i < size && argc < MAX_ARGS; i++) {
		if (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t')
			buf[i] = '\0';
		if (buf[i] && (i == 0 || !buf[i - 1]))
			argv[argc++] = buf + i;
	}
	for (i = 0; i < size; i++)
		if (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t')
			buf[i] = '\0';
	argv[argc] = NULL;
	ret = hp_parse_args(argc, argv, &req, &err);
	if (ret) {
		check(ret == HP_EXIT_USAGE && err.msg[0]);
	} else if (req.op == HP_OP_RULE_ADD) {
		check_rule(&req.rule);
	} else if (req.op == HP_OP_TIMEOUT_SET ||
		   req.op == HP_OP_CONFIG_SET) {
		check_config(&req);
	} else if (req.op == HP_OP_EXPLAIN) {
		char b[256];
		struct nlmsghdr *nlh = hp_msg_start(b, 1, NFHP_CMD_EXPLAIN, 0,
						    1);

		check(req.xq.dport && (req.xq.proto == IPPROTO_TCP ||
				       req.xq.proto == IPPROTO_UDP));
		check(strlen(req.xq.iif) < IFNAMSIZ);
		check(hp_msg_put_explain(nlh, sizeof(b), &req.xq) == 0);
	} else if (req.op == HP_OP_RULE_DEL && (req.rule.has & HP_R_ID)) {
		char b[256];
		struct nlmsghdr *nlh = hp_msg_start(b, 1, NFHP_CMD_DNAT_DEL, 0,
						    1);

		check(hp_msg_put_rule(nlh, sizeof(b), &req.rule, true) == 0);
	}
	free(buf);
}

static void fuzz_restore(const char *data, size_t size)
{
	struct hp_ruleset rs;
	struct hp_err err;
	struct nlmsghdr *nlh;
	size_t i, bufsize;
	char *buf;
	int ret = hp_parse_restore(data, size, &rs, &err);

	if (ret) {
		check(ret == HP_EXIT_USAGE && !strncmp(err.msg, "line ", 5));
		check(rs.n == 0 && !rs.rules);
		return;
	}
	for (i = 0; i < rs.n; i++)
		check_rule(&rs.rules[i]);
	bufsize = hp_msg_rules_size(&rs);
	buf = calloc(1, bufsize);
	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_REPLACE, 0, 1);
	check(hp_msg_put_rules(nlh, bufsize, &rs) == 0 ||
	      nlh->nlmsg_len > 60000);
	free(buf);
	hp_ruleset_free(&rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_restore((const char *)data + 1, size - 1);
	else
		fuzz_args((const char *)data + 1, size - 1);
	return 0;
}
