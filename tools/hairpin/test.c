// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for hairpin, without a kernel: the parser (every form and every
 * error), the netlink builder and decoder, save -> restore, the printers,
 * help against the man page, and the binary's exit codes.
 *
 * Usage: hairpin-test ./hairpin hairpin.8   (TAP output)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include "hairpin.h"

static int n_pass, n_fail;

static bool ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool ok(bool cond, const char *fmt, ...)
{
	char desc[1024], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	/* one line per test, whatever the description holds */
	for (p = desc; (p = strchr(p, '\n')); )
		*p = ' ';
	printf("%s %d - %s\n", cond ? "ok" : "not ok", n_pass + n_fail + 1,
	       desc);
	if (cond)
		n_pass++;
	else
		n_fail++;
	return cond;
}

static uint32_t A(const char *s)
{
	return inet_addr(s);
}

/* On failure, shows the output as TAP diagnostics. */
static void diag(bool passed, const char *s)
{
	const char *p = s, *end;

	for (; !passed && p && *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		printf("# %.*s\n", (int)(end - p), p);
	}
}

/* Parses "hairpin " + line; argv stays valid until the next call. */
static int parse(const char *line, struct hp_req *req, struct hp_err *err)
{
	static char *copy;
	static char *argv[64];
	int argc = 0;
	char *tok;

	free(copy);
	copy = strdup(line);
	argv[argc++] = "hairpin";
	for (tok = strtok(copy, " "); tok && argc < 63; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	err->msg[0] = '\0';
	return hp_parse_args(argc, argv, req, err);
}

/* --- the parser: good forms --- */

struct good {
	const char *line;
	enum hp_op op;
};

static const struct good goods[] = {
	{ "dnat add dst 100.0.0.254 proto tcp dport 80 to 172.16.0.1",
	  HP_OP_RULE_ADD },
	{ "snat add src 172.16.0.0/24 dst 172.16.0.0/24 to 172.16.0.254",
	  HP_OP_RULE_ADD },
	{ "dnat add dst local proto tcp dport 80 to 172.16.0.1",
	  HP_OP_RULE_ADD },
	{ "dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2",
	  HP_OP_RULE_ADD },
	{ "snat add oif WAN masquerade", HP_OP_RULE_ADD },
	{ "dnat add iif br-lan src 192.168.1.0/24 dst 82.120.11.22 proto tcp "
	  "dport 80 to 192.168.1.200", HP_OP_RULE_ADD },
	{ "dnat add dst 10.0.0.1 proto udp dport 53 to 192.168.1.2:5353",
	  HP_OP_RULE_ADD },
	{ "dnat add dst 10.0.0.1 proto tcp dport 8000-8010 to "
	  "192.168.1.2:9000-9010 noreflect", HP_OP_RULE_ADD },
	{ "dnat add dst 10.0.0.1 proto tcp dport 8000-8010 to 192.168.1.2:80",
	  HP_OP_RULE_ADD },
	{ "dnat add to 192.168.1.2 dport 80 proto tcp dst 10.0.0.1 "
	  "reflect-src external", HP_OP_RULE_ADD },
	{ "dnat add dst 10.0.0.1 proto tcp dport 80 to 192.168.1.2 "
	  "reflect-src internal", HP_OP_RULE_ADD },
	{ "snat add proto udp dport 5000-5010 to 1.2.3.4", HP_OP_RULE_ADD },
	{ "snat add src 0.0.0.0/0 to 1.2.3.4", HP_OP_RULE_ADD },
	{ "dnat del 3", HP_OP_RULE_DEL },
	{ "dnat del 0", HP_OP_RULE_DEL },
	{ "dnat del 4294967295", HP_OP_RULE_DEL },
	{ "dnat del dst 1.1.1.1 proto tcp dport 80", HP_OP_RULE_DEL },
	{ "dnat del dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2",
	  HP_OP_RULE_DEL },
	{ "snat del 1", HP_OP_RULE_DEL },
	{ "snat del oif WAN", HP_OP_RULE_DEL },
	{ "snat del oif WAN masquerade", HP_OP_RULE_DEL },
	{ "dnat list", HP_OP_RULE_LIST },
	{ "snat list", HP_OP_RULE_LIST },
	{ "conn list", HP_OP_CONN_LIST },
	{ "conn list proto udp addr 1.2.3.4 port 53", HP_OP_CONN_LIST },
	{ "conn flush", HP_OP_CONN_FLUSH },
	{ "explain src 192.168.1.10 dst 1.1.1.1:80 proto tcp", HP_OP_EXPLAIN },
	{ "explain iif LAN src 192.168.1.10:40000 dst 1.1.1.1:80 proto udp",
	  HP_OP_EXPLAIN },
	{ "explain proto tcp dst 1.1.1.1:80 src 2.2.2.2 iif WAN",
	  HP_OP_EXPLAIN },
	{ "stats", HP_OP_STATS },
	{ "timeout show", HP_OP_TIMEOUT_SHOW },
	{ "timeout set tcp_established 600 udp 30", HP_OP_TIMEOUT_SET },
	{ "timeout set conn_max 1 rules_max 4294967295 icmp 2147483647",
	  HP_OP_TIMEOUT_SET },
	{ "timeout set conn_max 20 udp 3600", HP_OP_TIMEOUT_SET },
	{ "timeout set udp_unreplied 30 tcp_syn 120", HP_OP_TIMEOUT_SET },
	{ "config show", HP_OP_CONFIG_SHOW },
	{ "-j config show", HP_OP_CONFIG_SHOW },
	{ "config set conn_max 20", HP_OP_CONFIG_SET },
	{ "config set rules_max 1024", HP_OP_CONFIG_SET },
	{ "config set conn_max 200000 rules_max 65536", HP_OP_CONFIG_SET },
	{ "config set rules_max 1 conn_max 4294967295", HP_OP_CONFIG_SET },
	{ "-n ns1 config set conn_max 1", HP_OP_CONFIG_SET },
	{ "config help", HP_OP_HELP },
	{ "help config", HP_OP_HELP },
	{ "flush", HP_OP_FLUSH },
	{ "save", HP_OP_SAVE },
	{ "restore", HP_OP_RESTORE },
	{ "restore -", HP_OP_RESTORE },
	{ "restore /etc/hairpin.conf", HP_OP_RESTORE },
	{ "monitor", HP_OP_MONITOR },
	{ "-j monitor", HP_OP_MONITOR },
	{ "help", HP_OP_HELP },
	{ "help dnat", HP_OP_HELP },
	{ "dnat help", HP_OP_HELP },
	{ "snat help", HP_OP_HELP },
	{ "conn help", HP_OP_HELP },
	{ "timeout help", HP_OP_HELP },
	{ "stats help", HP_OP_HELP },
	{ "--help", HP_OP_HELP },
	{ "--version", HP_OP_VERSION },
	{ "-V", HP_OP_VERSION },
	{ "-j -n ns1 dnat list", HP_OP_RULE_LIST },
	{ "--json --netns ns1 conn list", HP_OP_CONN_LIST },
};

static void test_good(void)
{
	struct hp_req req;
	struct hp_err err;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		ret = parse(goods[i].line, &req, &err);
		ok(ret == 0 && req.op == goods[i].op, "parses: %s%s%s",
		   goods[i].line, ret ? " -- " : "", err.msg);
	}
}

static void test_fields(void)
{
	struct hp_req req;
	struct hp_err err;
	struct hp_rule *r = &req.rule;

	parse("dnat add dst 100.0.0.254 proto tcp dport 80 to 172.16.0.1",
	      &req, &err);
	ok(req.kind == HP_DNAT && r->kind == HP_DNAT &&
	   r->has == (HP_R_DST | HP_R_PROTO | HP_R_DPORT | HP_R_TO) &&
	   r->dst == A("100.0.0.254") && r->proto == IPPROTO_TCP &&
	   r->dport_min == 80 && r->dport_max == 80 &&
	   r->to == A("172.16.0.1") && r->flags == 0,
	   "three networks dnat: every field");

	parse("snat add src 172.16.0.0/24 dst 172.16.0.0/24 to 172.16.0.254",
	      &req, &err);
	ok(req.kind == HP_SNAT &&
	   r->has == (HP_R_SRC | HP_R_DST | HP_R_TO) &&
	   r->src == A("172.16.0.0") && r->src_plen == 24 &&
	   r->dst == A("172.16.0.0") && r->dst_plen == 24 &&
	   r->to == A("172.16.0.254") && !r->flags,
	   "three networks snat: prefixes and target");

	parse("dnat add dst local proto tcp dport 80 to 172.16.0.1", &req,
	      &err);
	ok(!(r->has & HP_R_DST) && r->flags == NFHP_DNAT_F_LOCAL,
	   "dst local: LOCAL flag, no address");

	parse("snat add oif WAN masquerade", &req, &err);
	ok(r->has == HP_R_IF && !strcmp(r->ifname, "WAN") &&
	   r->flags == NFHP_SNAT_F_MASQUERADE, "masquerade: flag, no to");

	parse("dnat add iif br-lan src 192.168.1.0/24 dst 82.120.11.22 proto "
	      "tcp dport 80 to 192.168.1.200", &req, &err);
	ok(!strcmp(r->ifname, "br-lan") && (r->has & HP_R_IF) &&
	   r->src == A("192.168.1.0") && r->src_plen == 24 &&
	   r->dst == A("82.120.11.22") && r->to == A("192.168.1.200"),
	   "iif and src");

	parse("dnat add dst 10.0.0.1 proto udp dport 53 to 192.168.1.2:5353",
	      &req, &err);
	ok(r->proto == IPPROTO_UDP && (r->has & HP_R_TO_PORT) &&
	   r->to_port_min == 5353 && r->to_port_max == 5353 &&
	   r->to == A("192.168.1.2"), "to ADDR:PORT");

	parse("dnat add dst 10.0.0.1 proto tcp dport 8000-8010 to "
	      "192.168.1.2:9000-9010 noreflect", &req, &err);
	ok(r->dport_min == 8000 && r->dport_max == 8010 &&
	   r->to_port_min == 9000 && r->to_port_max == 9010 &&
	   r->flags == NFHP_DNAT_F_NOREFLECT, "ranges and noreflect");

	parse("dnat add to 192.168.1.2 dport 80 proto tcp dst 10.0.0.1 "
	      "reflect-src external", &req, &err);
	ok(r->flags == NFHP_DNAT_F_REFLECT_EXTERNAL && !(r->has & HP_R_TO_PORT),
	   "reflect-src external, keywords in any order");

	parse("dnat add dst 10.0.0.1 proto tcp dport 80 to 1.2.3.4 reflect-src "
	      "internal", &req, &err);
	ok(r->flags == 0, "reflect-src internal is the default (no flag)");

	parse("snat add src 10.0.0.7 to 1.2.3.4", &req, &err);
	ok(r->src_plen == 32, "an address alone is a /32");

	parse("dnat del 3", &req, &err);
	ok(r->has == HP_R_ID && r->id == 3 && req.kind == HP_DNAT,
	   "del ID");

	parse("snat del 4294967295", &req, &err);
	ok(r->has == HP_R_ID && r->id == 4294967295U && req.kind == HP_SNAT,
	   "del ID: the whole u32 range");

	parse("dnat del dst 1.1.1.1 proto tcp dport 80", &req, &err);
	ok(r->has == (HP_R_DST | HP_R_PROTO | HP_R_DPORT),
	   "del by match needs no target");

	parse("snat add proto udp dport 5000-5010 to 1.2.3.4", &req, &err);
	ok(r->proto == IPPROTO_UDP && r->dport_min == 5000 &&
	   r->dport_max == 5010, "snat proto and dport");

	parse("timeout set tcp_established 600 udp 30", &req, &err);
	ok(req.cfg.set[NFHP_CFG_A_TCP_ESTABLISHED] &&
	   req.cfg.val[NFHP_CFG_A_TCP_ESTABLISHED] == 600 &&
	   req.cfg.set[NFHP_CFG_A_UDP] && req.cfg.val[NFHP_CFG_A_UDP] == 30 &&
	   !req.cfg.set[NFHP_CFG_A_ICMP] && !req.cfg.set[NFHP_CFG_A_CONN_MAX],
	   "timeout set: exactly the named settings");

	parse("timeout set udp_unreplied 30 tcp_syn 120", &req, &err);
	ok(req.cfg.set[NFHP_CFG_A_UDP_UNREPLIED] &&
	   req.cfg.val[NFHP_CFG_A_UDP_UNREPLIED] == 30 &&
	   req.cfg.set[NFHP_CFG_A_TCP_SYN] &&
	   req.cfg.val[NFHP_CFG_A_TCP_SYN] == 120 &&
	   !req.cfg.set[NFHP_CFG_A_UDP] && !req.cfg.set[NFHP_CFG_A_CONN_MAX],
	   "timeout set: udp_unreplied and tcp_syn, appended attributes");

	parse("timeout show", &req, &err);
	ok(req.cfg_groups == (HP_CFG_TIMEOUTS | HP_CFG_LIMITS),
	   "timeout show: timeouts and, deprecated, the limits");
	parse("config show", &req, &err);
	ok(req.cfg_groups == HP_CFG_CONFIG,
	   "config show: the limits and the filtering behaviour");

	parse("config set conn_max 200000 rules_max 65536", &req, &err);
	ok(req.cfg.set[NFHP_CFG_A_CONN_MAX] &&
	   req.cfg.val[NFHP_CFG_A_CONN_MAX] == 200000 &&
	   req.cfg.set[NFHP_CFG_A_RULES_MAX] &&
	   req.cfg.val[NFHP_CFG_A_RULES_MAX] == 65536 &&
	   !req.cfg.set[NFHP_CFG_A_TCP_ESTABLISHED] &&
	   !req.cfg.set[NFHP_CFG_A_UDP] && req.cfg_groups == HP_CFG_CONFIG,
	   "config set: both limits, no timeout");

	parse("explain iif LAN src 192.168.1.10:40001 dst 1.1.1.1:80 proto tcp",
	      &req, &err);
	ok(!strcmp(req.xq.iif, "LAN") && req.xq.src == A("192.168.1.10") &&
	   req.xq.sport == 40001 && req.xq.dst == A("1.1.1.1") &&
	   req.xq.dport == 80 && req.xq.proto == IPPROTO_TCP,
	   "explain: iif, src with port, dst, proto");
	parse("explain src 2.2.2.2 dst 1.1.1.1:53 proto udp", &req, &err);
	ok(!req.xq.iif[0] && req.xq.sport == 0 && req.xq.dport == 53 &&
	   req.xq.proto == IPPROTO_UDP,
	   "explain: no iif (the router's own), no source port");

	parse("config set filtering endpoint-independent", &req, &err);
	ok(req.cfg.set[NFHP_CFG_A_FILTERING] &&
	   req.cfg.val[NFHP_CFG_A_FILTERING] == NFHP_FILTERING_ENDPOINT &&
	   !req.cfg.set[NFHP_CFG_A_CONN_MAX],
	   "config set filtering endpoint-independent");
	parse("config set conn_max 9 filtering address-and-port-dependent",
	      &req, &err);
	ok(req.cfg.set[NFHP_CFG_A_FILTERING] &&
	   req.cfg.val[NFHP_CFG_A_FILTERING] == NFHP_FILTERING_ADDRESS_PORT &&
	   req.cfg.val[NFHP_CFG_A_CONN_MAX] == 9,
	   "config set: a limit and filtering address-and-port-dependent");

	parse("config set rules_max 1 conn_max 4294967295", &req, &err);
	ok(req.cfg.val[NFHP_CFG_A_RULES_MAX] == 1 &&
	   req.cfg.val[NFHP_CFG_A_CONN_MAX] == 4294967295U &&
	   !req.cfg.set[NFHP_CFG_A_ICMP],
	   "config set: any order, the whole u32 range from 1");

	parse("config set rules_max 1024", &req, &err);
	ok(req.cfg.set[NFHP_CFG_A_RULES_MAX] &&
	   !req.cfg.set[NFHP_CFG_A_CONN_MAX], "config set: one limit alone");

	parse("timeout set conn_max 20 udp 3600", &req, &err);
	ok(req.cfg.set[NFHP_CFG_A_CONN_MAX] &&
	   req.cfg.val[NFHP_CFG_A_CONN_MAX] == 20 &&
	   req.cfg.set[NFHP_CFG_A_UDP] && req.cfg.val[NFHP_CFG_A_UDP] == 3600 &&
	   !req.cfg.set[NFHP_CFG_A_RULES_MAX],
	   "timeout set conn_max (deprecated alias): limit and timeout");

	parse("conn list proto udp addr 1.2.3.4 port 53", &req, &err);
	ok(req.filter.has == (HP_F_PROTO | HP_F_ADDR | HP_F_PORT) &&
	   req.filter.proto == IPPROTO_UDP && req.filter.addr == A("1.2.3.4") &&
	   req.filter.port == 53, "conn list filters");

	parse("-j -n ns1 dnat list", &req, &err);
	ok(req.json && req.netns && !strcmp(req.netns, "ns1"),
	   "-j and -n NETNS");

	parse("help dnat", &req, &err);
	ok(req.help && !strcmp(req.help->name, "dnat"), "help OBJECT");
	parse("config help", &req, &err);
	ok(req.help && !strcmp(req.help->name, "config"), "config help");
	parse("snat help", &req, &err);
	ok(req.help && !strcmp(req.help->name, "snat"), "OBJECT help");
	parse("help", &req, &err);
	ok(!req.help, "help alone: every object");

	parse("restore /etc/hairpin.conf", &req, &err);
	ok(req.file && !strcmp(req.file, "/etc/hairpin.conf"),
	   "restore FILE");
	parse("restore", &req, &err);
	ok(!req.file, "restore: standard input");
}

/* --- the parser: errors --- */

struct bad {
	const char *line;
	const char *msg;	/* exactly */
};

#define D "dnat add dst 1.1.1.1 proto tcp "
static const struct bad bads[] = {
	{ D "dport 70000 to 1.2.3.4", "invalid port `70000'" },
	{ D "dport 0 to 1.2.3.4", "invalid port `0'" },
	{ D "dport +80 to 1.2.3.4", "invalid port `+80'" },
	{ D "dport 80x to 1.2.3.4", "invalid port `80x'" },
	{ D "dport 80- to 1.2.3.4", "invalid port `80-'" },
	{ D "dport -80 to 1.2.3.4", "invalid port `-80'" },
	{ D "dport 8000-70000 to 1.2.3.4", "invalid port `8000-70000'" },
	{ D "dport 99999999999999999999 to 1.2.3.4",
	  "invalid port `99999999999999999999'" },
	{ D "dport 90-80 to 1.2.3.4", "invalid port range `90-80'" },
	{ D "dport 80 to 1.2.3.4:0", "invalid port `1.2.3.4:0'" },
	{ D "dport 80 to 1.2.3.4:", "invalid port `1.2.3.4:'" },
	{ D "dport 80 to 1.2.3.4:90-80", "invalid port range `1.2.3.4:90-80'" },
	{ D "dport 8000-8010 to 1.2.3.4:9000-9005",
	  "invalid port range `9000-9005': dport has 11 ports" },
	{ D "dport 80 to 1.2.3.4:9000-9001",
	  "invalid port range `9000-9001': dport has 1 ports" },
	{ D "dport 80 to host", "invalid address `host'" },
	{ D "dport 80 to 1.2.3.4/24", "invalid address `1.2.3.4/24'" },
	{ D "dport 80 to 1.2.3.4.5:80", "invalid address `1.2.3.4.5:80'" },
	{ "dnat add dst 1.2.3 proto tcp dport 80 to 1.2.3.4",
	  "invalid address `1.2.3'" },
	{ "dnat add dst 0x01020304 proto tcp dport 80 to 1.2.3.4",
	  "invalid address `0x01020304'" },
	{ "dnat add dst 1.2.3.4/24 proto tcp dport 80 to 1.2.3.4",
	  "invalid address `1.2.3.4/24'" },
	{ "dnat add dst ::1 proto tcp dport 80 to 1.2.3.4",
	  "invalid address `::1'" },
	{ "dnat add dst remote proto tcp dport 80 to 1.2.3.4",
	  "invalid address `remote'" },
	{ "dnat add src 10.0.0.0/33 dst local proto tcp dport 80 to 1.2.3.4",
	  "invalid prefix `10.0.0.0/33'" },
	{ "dnat add src 10.0.0.0/ dst local proto tcp dport 80 to 1.2.3.4",
	  "invalid prefix `10.0.0.0/'" },
	{ "dnat add src 10.0.0/8 dst local proto tcp dport 80 to 1.2.3.4",
	  "invalid prefix `10.0.0/8'" },
	{ "snat add dst 10.0.0.0/-1 to 1.2.3.4", "invalid prefix `10.0.0.0/-1'" },
	{ "dnat add iif abcdefghijklmnop dst local proto tcp dport 80 to 1.2.3.4",
	  "invalid interface name `abcdefghijklmnop'" },
	{ "dnat add iif a/b dst local proto tcp dport 80 to 1.2.3.4",
	  "invalid interface name `a/b'" },
	{ "snat add oif .. to 1.2.3.4", "invalid interface name `..'" },
	{ "dnat add dst local proto icmp dport 80 to 1.2.3.4",
	  "invalid protocol `icmp'" },
	{ "dnat add dst local proto TCP dport 80 to 1.2.3.4",
	  "invalid protocol `TCP'" },
	{ "dnat add dst local dst 1.1.1.1 proto tcp dport 80 to 1.2.3.4",
	  "duplicate keyword `dst'" },
	{ D "dport 80 to 1.2.3.4 noreflect noreflect",
	  "duplicate keyword `noreflect'" },
	{ D "dport 80 dport 81 to 1.2.3.4", "duplicate keyword `dport'" },
	{ "snat add oif a oif b masquerade", "duplicate keyword `oif'" },
	{ D "dport 80 to 1.2.3.4 foo", "unknown keyword `foo'" },
	{ D "dport 80 to 1.2.3.4 oif eth0", "unknown keyword `oif'" },
	{ D "dport 80 to 1.2.3.4 masquerade", "unknown keyword `masquerade'" },
	{ "snat add iif eth0 masquerade", "unknown keyword `iif'" },
	{ "snat add masquerade noreflect", "unknown keyword `noreflect'" },
	{ D "dport 80 to 1.2.3.4 reflect-src sideways",
	  "invalid reflect-src `sideways'" },
	{ D "dport 80", "missing `to'" },
	{ "dnat add proto tcp dport 80 to 1.2.3.4", "missing `dst'" },
	{ "dnat add dst 1.1.1.1 dport 80 to 1.2.3.4", "missing `proto'" },
	{ D "to 1.2.3.4", "missing `dport'" },
	{ "dnat del dst 1.1.1.1 proto tcp", "missing `dport'" },
	{ "dnat add dst", "missing value after `dst'" },
	{ D "dport", "missing value after `dport'" },
	{ D "dport 80 to 1.2.3.4 reflect-src", "missing value after `reflect-src'" },
	{ "dnat add", "missing rule after `add'" },
	{ "dnat del", "missing ID or rule after `del'" },
	{ "dnat del 12x", "invalid id `12x'" },
	{ "snat del 4294967296", "invalid id `4294967296'" },
	{ "snat add to 1.2.3.4 dport 80 proto tcp",
	  "`dport' needs `proto' before it" },
	{ "snat add dport 80 to 1.2.3.4", "`dport' needs `proto' before it" },
	{ "snat add to 1.2.3.4 masquerade",
	  "`to' and `masquerade' exclude each other" },
	{ "snat add oif WAN", "missing `to' or `masquerade'" },
	{ "snat add to 1.2.3.4:80", "invalid address `1.2.3.4:80'" },
	{ "snat add proto sctp to 1.2.3.4", "invalid protocol `sctp'" },
	{ "bogus", "unknown object `bogus'" },
	{ "dnat show", "unknown command `show'" },
	{ "dnat", "missing command after `dnat'" },
	{ "conn", "missing command after `conn'" },
	{ "-x dnat list", "unknown option `-x'" },
	{ "-n", "missing value after `-n'" },
	{ "-n a/b dnat list", "invalid netns name `a/b'" },
	{ "-n .. dnat list", "invalid netns name `..'" },
	{ "", "missing OBJECT; try `hairpin help'" },
	{ "-j", "missing OBJECT; try `hairpin help'" },
	{ "stats extra", "unexpected argument `extra'" },
	{ "flush now", "unexpected argument `now'" },
	{ "dnat list all", "unexpected argument `all'" },
	{ "dnat help me", "unexpected argument `me'" },
	{ "--version 2", "unexpected argument `2'" },
	{ "restore a b", "unexpected argument `b'" },
	{ "help nope", "unknown object `nope'" },
	{ "help dnat snat", "unexpected argument `snat'" },
	{ "timeout set", "missing NAME SECONDS after `set'" },
	{ "timeout set foo 1", "unknown timeout `foo'" },
	{ "timeout set udp", "missing value after `udp'" },
	{ "timeout set udp 0", "invalid timeout `0'" },
	{ "timeout set udp 2147483648", "invalid timeout `2147483648'" },
	{ "timeout set udp -1", "invalid timeout `-1'" },
	{ "timeout set conn_max 4294967296", "invalid limit `4294967296'" },
	{ "timeout set conn_max 0", "invalid limit `0'" },
	{ "timeout set rules_max x", "invalid limit `x'" },
	{ "timeout set udp 1 conn_max", "missing value after `conn_max'" },
	{ "timeout set conn_max 1 conn_max 2", "duplicate keyword `conn_max'" },
	{ "timeout show all", "unexpected argument `all'" },
	{ "config", "missing command after `config'" },
	{ "config get", "unknown command `get'" },
	{ "config list", "unknown command `list'" },
	{ "config show limits", "unexpected argument `limits'" },
	{ "config help me", "unexpected argument `me'" },
	{ "config set", "missing `conn_max', `rules_max' or `filtering' "
	  "after `set'" },
	{ "config set filtering", "missing value after `filtering'" },
	{ "explain", "missing `src'" },
	{ "explain src 1.2.3.4 dst 1.1.1.1:80", "missing `proto'" },
	{ "explain src 1.2.3.4 proto tcp", "missing `dst'" },
	{ "explain src 1.2.3.4 dst 1.1.1.1 proto tcp",
	  "invalid ADDR:PORT `1.1.1.1'" },
	{ "explain src 1.2.3.4 dst 1.1.1.1:0 proto tcp",
	  "invalid ADDR:PORT `1.1.1.1:0'" },
	{ "explain src 1.2.3.4 dst 1.1.1.1:65536 proto tcp",
	  "invalid ADDR:PORT `1.1.1.1:65536'" },
	{ "explain src 1.2.3.4:x dst 1.1.1.1:80 proto tcp",
	  "invalid address `1.2.3.4:x'" },
	{ "explain src 1.2.3 dst 1.1.1.1:80 proto tcp",
	  "invalid address `1.2.3'" },
	{ "explain src 1.2.3.4 dst 1.1.1.1:80 proto icmp",
	  "invalid protocol `icmp'" },
	{ "explain src 1.2.3.4 src 1.2.3.5 dst 1.1.1.1:80 proto tcp",
	  "duplicate keyword `src'" },
	{ "explain iif 0123456789abcdef src 1.2.3.4 dst 1.1.1.1:80 proto tcp",
	  "invalid interface `0123456789abcdef'" },
	{ "explain src 1.2.3.4 dst 1.1.1.1:80 proto tcp port 1",
	  "unknown keyword `port'" },
	{ "explain src 1.2.3.4 dst 1.1.1.1:80 proto", "missing value after `proto'" },
	{ "config set filtering 1", "invalid behaviour `1'" },
	{ "config set filtering endpoint", "invalid behaviour `endpoint'" },
	{ "config set filtering endpoint-independent filtering "
	  "endpoint-independent", "duplicate keyword `filtering'" },
	{ "timeout set filtering endpoint-independent",
	  "`filtering' is a behaviour: use `config set'" },
	{ "config set conn_max", "missing value after `conn_max'" },
	{ "config set rules_max 10 conn_max", "missing value after `conn_max'" },
	{ "config set conn_max 0", "invalid limit `0'" },
	{ "config set rules_max 0", "invalid limit `0'" },
	{ "config set conn_max -1", "invalid limit `-1'" },
	{ "config set conn_max +5", "invalid limit `+5'" },
	{ "config set conn_max 0x10", "invalid limit `0x10'" },
	{ "config set conn_max 4294967296", "invalid limit `4294967296'" },
	{ "config set conn_max 99999999999999999999",
	  "invalid limit `99999999999999999999'" },
	{ "config set rules_max 12k", "invalid limit `12k'" },
	{ "config set conn_max 1 conn_max 2", "duplicate keyword `conn_max'" },
	{ "config set foo 1", "unknown setting `foo'" },
	{ "config set CONN_MAX 1", "unknown setting `CONN_MAX'" },
	{ "config set conn-max 1", "unknown setting `conn-max'" },
	{ "config set 20", "unknown setting `20'" },
	{ "config set udp 30", "`udp' is a timeout: use `timeout set'" },
	{ "config set conn_max 20 tcp_established 600",
	  "`tcp_established' is a timeout: use `timeout set'" },
	{ "help config show", "unexpected argument `show'" },
	{ "timeout set udp 1 udp 2", "duplicate keyword `udp'" },
	{ "timeout get", "unknown command `get'" },
	{ "conn list proto icmp", "invalid protocol `icmp'" },
	{ "conn list port 0", "invalid port `0'" },
	{ "conn list port 65536", "invalid port `65536'" },
	{ "conn list addr x", "invalid address `x'" },
	{ "conn list addr", "missing value after `addr'" },
	{ "conn list addr 1.1.1.1 addr 2.2.2.2", "duplicate keyword `addr'" },
	{ "conn list state established", "unknown keyword `state'" },
	{ "conn flush all", "unexpected argument `all'" },
};

static void test_bad(void)
{
	struct hp_req req;
	struct hp_err err;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		ret = parse(bads[i].line, &req, &err);
		ok(ret == HP_EXIT_USAGE && !strcmp(err.msg, bads[i].msg),
		   "rejects `%s': %s (got %d: %s)", bads[i].line, bads[i].msg,
		   ret, err.msg);
	}
}

/* --- netlink builder --- */

static const struct nlattr *find(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static int count_attrs(const struct nlattr *nest)
{
	const struct nlattr *a;
	int n = 0;

	mnl_attr_for_each_nested(a, nest)
		n++;
	return n;
}

static bool bytes_are(const struct nlattr *a, const uint8_t *b, size_t n)
{
	return a && mnl_attr_get_payload_len(a) == n &&
	       !memcmp(mnl_attr_get_payload(a), b, n);
}

struct top {
	const struct nlattr *tb[NFHP_A_MAX + 1];
	int n;
};

static int top_cb(const struct nlattr *a, void *data)
{
	struct top *t = data;

	if (mnl_attr_get_type(a) <= NFHP_A_MAX)
		t->tb[mnl_attr_get_type(a)] = a;
	t->n++;
	return MNL_CB_OK;
}

/* Builds the request for "line" as cmd.c would, and parses it back. */
static struct nlmsghdr *build(char *buf, size_t size, const char *line,
			      struct top *t)
{
	struct hp_req req;
	struct hp_err err;
	struct nlmsghdr *nlh;
	uint8_t cmd;

	memset(buf, 0, size);
	memset(t, 0, sizeof(*t));
	if (parse(line, &req, &err))
		return NULL;
	cmd = req.op == HP_OP_RULE_DEL ? NFHP_CMD_DNAT_DEL : NFHP_CMD_DNAT_ADD;
	if (req.op == HP_OP_TIMEOUT_SET || req.op == HP_OP_CONFIG_SET)
		cmd = NFHP_CMD_CONFIG_SET;
	nlh = hp_msg_start(buf, 0x1234, cmd, NLM_F_ACK, 42);
	if (req.op == HP_OP_TIMEOUT_SET || req.op == HP_OP_CONFIG_SET) {
		if (hp_msg_put_config(nlh, size, &req.cfg) < 0)
			return NULL;
	} else if (hp_msg_put_rule(nlh, size, &req.rule,
				   req.rule.has & HP_R_ID) < 0) {
		return NULL;
	}
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), top_cb, t) < 0)
		return NULL;
	return nlh;
}

static void test_build(void)
{
	char buf[4096];
	struct top t;
	struct nlmsghdr *nlh;
	const struct genlmsghdr *g;
	const struct nlattr *n, *a;
	static const uint8_t dst[] = { 10, 0, 0, 1 }, to[] = { 192, 168, 1, 2 };
	static const uint8_t p8000[] = { 0x1f, 0x40 }, p8010[] = { 0x1f, 0x4a };
	static const uint8_t p9000[] = { 0x23, 0x28 }, p9010[] = { 0x23, 0x32 };
	static const uint8_t src[] = { 192, 168, 1, 0 };
	uint32_t flags;

	nlh = build(buf, sizeof(buf), "dnat add iif br-lan src 192.168.1.0/24 "
		    "dst 10.0.0.1 proto tcp dport 8000-8010 to "
		    "192.168.1.2:9000-9010 noreflect reflect-src external", &t);
	g = nlh ? mnl_nlmsg_get_payload(nlh) : NULL;
	ok(nlh && nlh->nlmsg_type == 0x1234 &&
	   nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK) &&
	   nlh->nlmsg_seq == 42 && g->cmd == NFHP_CMD_DNAT_ADD &&
	   g->version == NFHP_GENL_VERSION, "header: family, flags, cmd, "
	   "version");
	n = t.tb[NFHP_A_DNAT];
	ok(t.n == 1 && n && mnl_attr_validate(n, MNL_TYPE_NESTED) == 0,
	   "one NFHP_A_DNAT nest");
	if (!n)
		return;
	a = find(n, NFHP_DNAT_A_IIF);
	ok(a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
	   !strcmp(mnl_attr_get_str(a), "br-lan"), "IIF: NUL string");
	ok(bytes_are(find(n, NFHP_DNAT_A_SRC), src, 4), "SRC: network order");
	a = find(n, NFHP_DNAT_A_SRC_PLEN);
	ok(a && mnl_attr_get_payload_len(a) == 1 && mnl_attr_get_u8(a) == 24,
	   "SRC_PLEN: u8 24");
	ok(bytes_are(find(n, NFHP_DNAT_A_DST), dst, 4), "DST: network order");
	a = find(n, NFHP_DNAT_A_PROTO);
	ok(a && mnl_attr_get_payload_len(a) == 1 &&
	   mnl_attr_get_u8(a) == IPPROTO_TCP, "PROTO: u8 6");
	ok(bytes_are(find(n, NFHP_DNAT_A_DPORT_MIN), p8000, 2) &&
	   bytes_are(find(n, NFHP_DNAT_A_DPORT_MAX), p8010, 2),
	   "DPORT_MIN/MAX: __be16 8000, 8010");
	ok(bytes_are(find(n, NFHP_DNAT_A_TO), to, 4), "TO: network order");
	ok(bytes_are(find(n, NFHP_DNAT_A_TO_PORT_MIN), p9000, 2) &&
	   bytes_are(find(n, NFHP_DNAT_A_TO_PORT_MAX), p9010, 2),
	   "TO_PORT_MIN/MAX: __be16 9000, 9010");
	a = find(n, NFHP_DNAT_A_FLAGS);
	flags = NFHP_DNAT_F_NOREFLECT | NFHP_DNAT_F_REFLECT_EXTERNAL;
	ok(a && mnl_attr_get_payload_len(a) == 4 &&
	   !memcmp(mnl_attr_get_payload(a), &flags, 4),
	   "FLAGS: u32 host order");
	ok(count_attrs(n) == 11 && !find(n, NFHP_DNAT_A_ID) &&
	   !find(n, NFHP_DNAT_A_STATS), "nothing else in the nest");

	build(buf, sizeof(buf), "dnat add dst local proto udp dport 53 to "
	      "192.168.1.2", &t);
	n = t.tb[NFHP_A_DNAT];
	a = n ? find(n, NFHP_DNAT_A_FLAGS) : NULL;
	ok(n && !find(n, NFHP_DNAT_A_DST) && a &&
	   mnl_attr_get_u32(a) == NFHP_DNAT_F_LOCAL &&
	   !find(n, NFHP_DNAT_A_DPORT_MAX) &&
	   !find(n, NFHP_DNAT_A_TO_PORT_MIN) && !find(n, NFHP_DNAT_A_SRC) &&
	   !find(n, NFHP_DNAT_A_IIF) && count_attrs(n) == 4,
	   "dst local: LOCAL flag and no DST; single port: no DPORT_MAX");

	build(buf, sizeof(buf), "dnat add dst 1.1.1.1 proto tcp dport 80 to "
	      "192.168.1.2", &t);
	n = t.tb[NFHP_A_DNAT];
	ok(n && !find(n, NFHP_DNAT_A_FLAGS) && count_attrs(n) == 4,
	   "no flags: no FLAGS attribute");

	build(buf, sizeof(buf), "dnat del 7", &t);
	n = t.tb[NFHP_A_DNAT];
	a = n ? find(n, NFHP_DNAT_A_ID) : NULL;
	ok(a && mnl_attr_get_u32(a) == 7 && count_attrs(n) == 1,
	   "del ID: only NFHP_DNAT_A_ID");

	build(buf, sizeof(buf), "snat add oif WAN masquerade", &t);
	n = t.tb[NFHP_A_SNAT];
	a = n ? find(n, NFHP_SNAT_A_FLAGS) : NULL;
	ok(n && !t.tb[NFHP_A_DNAT] && a &&
	   mnl_attr_get_u32(a) == NFHP_SNAT_F_MASQUERADE &&
	   !find(n, NFHP_SNAT_A_TO) && find(n, NFHP_SNAT_A_OIF) &&
	   !strcmp(mnl_attr_get_str(find(n, NFHP_SNAT_A_OIF)), "WAN") &&
	   count_attrs(n) == 2, "snat masquerade: OIF and FLAGS, no TO");

	build(buf, sizeof(buf), "snat add src 172.16.0.0/24 dst 172.16.0.0/16 "
	      "proto tcp dport 80 to 172.16.0.254", &t);
	n = t.tb[NFHP_A_SNAT];
	ok(n && mnl_attr_get_u8(find(n, NFHP_SNAT_A_SRC_PLEN)) == 24 &&
	   mnl_attr_get_u8(find(n, NFHP_SNAT_A_DST_PLEN)) == 16 &&
	   mnl_attr_get_u32(find(n, NFHP_SNAT_A_DST)) == A("172.16.0.0") &&
	   mnl_attr_get_u32(find(n, NFHP_SNAT_A_TO)) == A("172.16.0.254") &&
	   ntohs(mnl_attr_get_u16(find(n, NFHP_SNAT_A_DPORT_MIN))) == 80 &&
	   !find(n, NFHP_SNAT_A_FLAGS) && count_attrs(n) == 7,
	   "snat: both prefixes with lengths, proto, dport, to");

	build(buf, sizeof(buf), "timeout set tcp_established 600 udp 30", &t);
	n = t.tb[NFHP_A_CONFIG];
	ok(n && count_attrs(n) == 2 &&
	   mnl_attr_get_u32(find(n, NFHP_CFG_A_TCP_ESTABLISHED)) == 600 &&
	   mnl_attr_get_u32(find(n, NFHP_CFG_A_UDP)) == 30,
	   "config: the two u32 settings, nothing else");

	build(buf, sizeof(buf), "config set conn_max 200000 rules_max 65536",
	      &t);
	n = t.tb[NFHP_A_CONFIG];
	a = n ? find(n, NFHP_CFG_A_CONN_MAX) : NULL;
	ok(t.n == 1 && n && count_attrs(n) == 2 && a &&
	   mnl_attr_get_payload_len(a) == 4 && mnl_attr_get_u32(a) == 200000 &&
	   mnl_attr_get_u32(find(n, NFHP_CFG_A_RULES_MAX)) == 65536,
	   "config set: NFHP_A_CONFIG with CONN_MAX and RULES_MAX (u32)");

	build(buf, sizeof(buf), "timeout set conn_max 20 udp 3600", &t);
	n = t.tb[NFHP_A_CONFIG];
	ok(n && count_attrs(n) == 2 &&
	   mnl_attr_get_u32(find(n, NFHP_CFG_A_CONN_MAX)) == 20 &&
	   mnl_attr_get_u32(find(n, NFHP_CFG_A_UDP)) == 3600,
	   "timeout set conn_max (alias): the same message as before");

	ok(!build(buf, 40, "dnat add iif br-lan dst 1.1.1.1 proto tcp dport 80 "
		  "to 192.168.1.2", &t) && errno == EMSGSIZE,
	   "a buffer too small fails with EMSGSIZE");
}

static void test_replace(void)
{
	struct hp_ruleset rs = { 0 };
	struct hp_req req;
	struct hp_err err;
	struct top t;
	const struct nlattr *a;
	struct nlmsghdr *nlh;
	char *buf;
	size_t size, i;
	int n = 0, ret;
	uint16_t order[3];

	parse("dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2", &req,
	      &err);
	hp_ruleset_push(&rs, &req.rule);
	parse("snat add oif WAN masquerade", &req, &err);
	hp_ruleset_push(&rs, &req.rule);
	parse("dnat add dst local proto udp dport 53 to 192.168.1.3", &req,
	      &err);
	hp_ruleset_push(&rs, &req.rule);
	size = hp_msg_rules_size(&rs);
	buf = calloc(1, size);
	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_REPLACE, NLM_F_ACK, 1);
	ret = hp_msg_put_rules(nlh, size, &rs);
	memset(&t, 0, sizeof(t));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), top_cb, &t);
	if (t.tb[NFHP_A_RULES]) {
		mnl_attr_for_each_nested(a, t.tb[NFHP_A_RULES]) {
			if (n < 3)
				order[n] = mnl_attr_get_type(a);
			n++;
		}
	}
	ok(ret == 0 && t.n == 1 && n == 3 && order[0] == NFHP_A_DNAT &&
	   order[1] == NFHP_A_SNAT && order[2] == NFHP_A_DNAT,
	   "REPLACE: one NFHP_A_RULES with every rule in order");
	free(buf);

	/*
	 * A nest length is 16 bits: a large set goes in several NFHP_A_RULES
	 * nests, each under 64 KiB, every rule present and in order.
	 */
	for (i = rs.n; i < 3000; i++)
		hp_ruleset_push(&rs, &rs.rules[i % 3]);
	size = hp_msg_rules_size(&rs);
	buf = calloc(1, size);
	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_REPLACE, NLM_F_ACK, 1);
	ret = hp_msg_put_rules(nlh, size, &rs);
	{
		struct nlattr *top, *r;
		int nests = 0, rules = 0, in_order = 1;

		mnl_attr_for_each(top, nlh, sizeof(struct genlmsghdr)) {
			if (mnl_attr_get_type(top) != NFHP_A_RULES)
				continue;
			nests++;
			mnl_attr_for_each_nested(r, top) {
				uint16_t want = rules % 3 == 1 ? NFHP_A_SNAT :
						NFHP_A_DNAT;

				if (mnl_attr_get_type(r) != want)
					in_order = 0;
				rules++;
			}
		}
		ok(ret == 0 && nests > 1 && rules == 3000 && in_order,
		   "REPLACE: 3000 rules split over several nests, in order");
	}
	free(buf);

	/* A buffer too small for the set still fails cleanly. */
	buf = calloc(1, 4096);
	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_REPLACE, NLM_F_ACK, 1);
	errno = 0;
	ret = hp_msg_put_rules(nlh, 4096, &rs);
	ok(ret < 0 && errno == EMSGSIZE,
	   "REPLACE: a set larger than the buffer fails with EMSGSIZE");
	free(buf);
	hp_ruleset_free(&rs);
}

/* --- decoding answers as the kernel sends them --- */

static struct nlmsghdr *kernel_rule(char *buf, bool dnat)
{
	struct nlmsghdr *nlh;
	struct nlattr *n, *s;

	memset(buf, 0, 1024);
	nlh = hp_msg_start(buf, 0x1234, dnat ? NFHP_CMD_DNAT_GET :
			   NFHP_CMD_SNAT_GET, NLM_F_MULTI, 1);
	if (dnat) {
		n = mnl_attr_nest_start(nlh, NFHP_A_DNAT);
		mnl_attr_put_u32(nlh, NFHP_DNAT_A_ID, 5);
		mnl_attr_put_strz(nlh, NFHP_DNAT_A_IIF, "br-lan");
		mnl_attr_put_u32(nlh, NFHP_DNAT_A_SRC, A("192.168.1.0"));
		mnl_attr_put_u8(nlh, NFHP_DNAT_A_SRC_PLEN, 24);
		mnl_attr_put_u8(nlh, NFHP_DNAT_A_PROTO, IPPROTO_TCP);
		mnl_attr_put_u16(nlh, NFHP_DNAT_A_DPORT_MIN, htons(8000));
		mnl_attr_put_u16(nlh, NFHP_DNAT_A_DPORT_MAX, htons(8010));
		mnl_attr_put_u32(nlh, NFHP_DNAT_A_TO, A("192.168.1.2"));
		mnl_attr_put_u16(nlh, NFHP_DNAT_A_TO_PORT_MIN, htons(9000));
		mnl_attr_put_u16(nlh, NFHP_DNAT_A_TO_PORT_MAX, htons(9010));
		mnl_attr_put_u32(nlh, NFHP_DNAT_A_FLAGS, NFHP_DNAT_F_LOCAL |
				 NFHP_DNAT_F_NOREFLECT |
				 NFHP_DNAT_F_REFLECT_EXTERNAL);
		s = mnl_attr_nest_start(nlh, NFHP_DNAT_A_STATS);
	} else {
		n = mnl_attr_nest_start(nlh, NFHP_A_SNAT);
		mnl_attr_put_u32(nlh, NFHP_SNAT_A_ID, 2);
		mnl_attr_put_strz(nlh, NFHP_SNAT_A_OIF, "WAN");
		mnl_attr_put_u32(nlh, NFHP_SNAT_A_DST, A("10.0.0.0"));
		mnl_attr_put_u8(nlh, NFHP_SNAT_A_DST_PLEN, 8);
		mnl_attr_put_u32(nlh, NFHP_SNAT_A_FLAGS,
				 NFHP_SNAT_F_MASQUERADE);
		s = mnl_attr_nest_start(nlh, NFHP_SNAT_A_STATS);
	}
	mnl_attr_put_u64(nlh, NFHP_RSTATS_A_PACKETS, 5000000000ULL);
	mnl_attr_put_u64(nlh, NFHP_RSTATS_A_BYTES, 1ULL << 40);
	mnl_attr_put_u64(nlh, NFHP_RSTATS_A_CONNS, 3);
	mnl_attr_nest_end(nlh, s);
	mnl_attr_put_u32(nlh, 200, 1);	/* a newer attribute: skipped */
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static struct nlmsghdr *kernel_conn(char *buf)
{
	struct nlmsghdr *nlh;
	struct nlattr *n, *t;

	memset(buf, 0, 1024);
	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_CONN_NEW, 0, 0);
	n = mnl_attr_nest_start(nlh, NFHP_A_CONN);
	mnl_attr_put_u8(nlh, NFHP_CONN_A_PROTO, IPPROTO_TCP);
	mnl_attr_put_u8(nlh, NFHP_CONN_A_STATE, NFHP_CONN_S_ESTABLISHED);
	mnl_attr_put_u32(nlh, NFHP_CONN_A_TIMEOUT, 7439);
	t = mnl_attr_nest_start(nlh, NFHP_CONN_A_ORIG);
	mnl_attr_put_u32(nlh, NFHP_TUPLE_A_SRC, A("192.168.1.10"));
	mnl_attr_put_u16(nlh, NFHP_TUPLE_A_SPORT, htons(40000));
	mnl_attr_put_u32(nlh, NFHP_TUPLE_A_DST, A("1.1.1.1"));
	mnl_attr_put_u16(nlh, NFHP_TUPLE_A_DPORT, htons(80));
	mnl_attr_nest_end(nlh, t);
	t = mnl_attr_nest_start(nlh, NFHP_CONN_A_REPLY);
	mnl_attr_put_u32(nlh, NFHP_TUPLE_A_SRC, A("192.168.1.2"));
	mnl_attr_put_u16(nlh, NFHP_TUPLE_A_SPORT, htons(80));
	mnl_attr_put_u32(nlh, NFHP_TUPLE_A_DST, A("192.168.1.1"));
	mnl_attr_put_u16(nlh, NFHP_TUPLE_A_DPORT, htons(40000));
	mnl_attr_nest_end(nlh, t);
	mnl_attr_put_u32(nlh, NFHP_CONN_A_DNAT_ID, 1);
	mnl_attr_put_u32(nlh, NFHP_CONN_A_FLAGS, NFHP_CONN_F_REFLECTED |
			 NFHP_CONN_F_REPLIED);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static void test_decode(void)
{
	char buf[1024];
	struct hp_rule r;
	struct hp_conn c;
	struct hp_stats st;
	struct hp_config cfg;
	struct hp_filter f;
	struct nlmsghdr *nlh;
	struct nlattr *n;
	int ret;

	ret = hp_msg_get_rule(kernel_rule(buf, true), HP_DNAT, &r);
	ok(ret == 0 && r.has == (HP_R_ID | HP_R_IF | HP_R_SRC | HP_R_PROTO |
				 HP_R_DPORT | HP_R_TO | HP_R_TO_PORT |
				 HP_R_STATS) &&
	   r.id == 5 && !strcmp(r.ifname, "br-lan") &&
	   r.src == A("192.168.1.0") && r.src_plen == 24 &&
	   r.proto == IPPROTO_TCP && r.dport_min == 8000 &&
	   r.dport_max == 8010 && r.to == A("192.168.1.2") &&
	   r.to_port_min == 9000 && r.to_port_max == 9010 &&
	   r.flags == (NFHP_DNAT_F_LOCAL | NFHP_DNAT_F_NOREFLECT |
		       NFHP_DNAT_F_REFLECT_EXTERNAL) &&
	   r.packets == 5000000000ULL && r.bytes == 1ULL << 40 &&
	   r.conns == 3, "decodes a DNAT dump message, u64 counters");

	ret = hp_msg_get_rule(kernel_rule(buf, false), HP_SNAT, &r);
	ok(ret == 0 && r.kind == HP_SNAT && r.id == 2 &&
	   !strcmp(r.ifname, "WAN") && r.dst == A("10.0.0.0") &&
	   r.dst_plen == 8 && !(r.has & (HP_R_TO | HP_R_SRC)) &&
	   r.flags == NFHP_SNAT_F_MASQUERADE && r.packets == 5000000000ULL,
	   "decodes an SNAT dump message");

	ok(hp_msg_get_rule(kernel_rule(buf, false), HP_DNAT, &r) < 0 &&
	   errno == EPROTO, "a message without the expected nest: EPROTO");

	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_DNAT_GET, 0, 1);
	n = mnl_attr_nest_start(nlh, NFHP_A_DNAT);
	mnl_attr_put_u16(nlh, NFHP_DNAT_A_DST, 1);
	mnl_attr_nest_end(nlh, n);
	ok(hp_msg_get_rule(nlh, HP_DNAT, &r) < 0 && errno == EPROTO,
	   "a 2-byte address is refused: EPROTO");

	ret = hp_msg_get_conn(kernel_conn(buf), &c);
	ok(ret == 0 && c.proto == IPPROTO_TCP &&
	   c.state == NFHP_CONN_S_ESTABLISHED && c.timeout == 7439 &&
	   c.orig.src == A("192.168.1.10") && c.orig.sport == 40000 &&
	   c.orig.dst == A("1.1.1.1") && c.orig.dport == 80 &&
	   c.reply.src == A("192.168.1.2") && c.reply.dport == 40000 &&
	   c.has == HP_C_DNAT_ID && c.dnat_id == 1 &&
	   c.flags == (NFHP_CONN_F_REFLECTED | NFHP_CONN_F_REPLIED),
	   "decodes a connection");

	f = (struct hp_filter){ HP_F_ADDR, 0, A("192.168.1.1"), 0 };
	ok(hp_conn_match(&c, &f), "filter addr: the reply's destination");
	f = (struct hp_filter){ HP_F_ADDR, 0, A("192.168.1.99"), 0 };
	ok(!hp_conn_match(&c, &f), "filter addr: no address matches");
	f = (struct hp_filter){ HP_F_PORT | HP_F_PROTO, IPPROTO_TCP, 0, 40000 };
	ok(hp_conn_match(&c, &f), "filter port and proto match");
	f = (struct hp_filter){ HP_F_PROTO, IPPROTO_UDP, 0, 0 };
	ok(!hp_conn_match(&c, &f), "filter proto udp: no match");
	f = (struct hp_filter){ HP_F_ADDR | HP_F_PORT, 0, A("1.1.1.1"), 8080 };
	ok(!hp_conn_match(&c, &f), "filter addr and port: both must match");
	f = (struct hp_filter){ 0, 0, 0, 0 };
	ok(hp_conn_match(&c, &f), "no filter: everything");

	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_STATS_GET, 0, 1);
	n = mnl_attr_nest_start(nlh, NFHP_A_STATS);
	mnl_attr_put_u64(nlh, NFHP_STATS_A_CONNS, 12);
	mnl_attr_put_u64(nlh, NFHP_STATS_A_CLASH, 1ULL << 33);
	mnl_attr_put_u64(nlh, NFHP_STATS_A_TCP_OUT_OF_WINDOW, 3);
	mnl_attr_put_u64(nlh, NFHP_STATS_A_EVICTED, 1ULL << 34);
	mnl_attr_nest_end(nlh, n);
	ret = hp_msg_get_stats(nlh, &st);
	ok(ret == 0 && st.set[NFHP_STATS_A_CONNS] &&
	   st.val[NFHP_STATS_A_CONNS] == 12 &&
	   st.val[NFHP_STATS_A_CLASH] == 1ULL << 33 &&
	   st.val[NFHP_STATS_A_TCP_OUT_OF_WINDOW] == 3 &&
	   st.val[NFHP_STATS_A_EVICTED] == 1ULL << 34 &&
	   !st.set[NFHP_STATS_A_XLATE_ORIG], "decodes stats");

	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_CONFIG_GET, 0, 1);
	n = mnl_attr_nest_start(nlh, NFHP_A_CONFIG);
	mnl_attr_put_u32(nlh, NFHP_CFG_A_TCP_ESTABLISHED, 7440);
	mnl_attr_put_u32(nlh, NFHP_CFG_A_RULES_MAX, 1024);
	mnl_attr_nest_end(nlh, n);
	ret = hp_msg_get_config(nlh, &cfg);
	ok(ret == 0 && cfg.val[NFHP_CFG_A_TCP_ESTABLISHED] == 7440 &&
	   cfg.val[NFHP_CFG_A_RULES_MAX] == 1024 && !cfg.set[NFHP_CFG_A_UDP],
	   "decodes the config");
}

/* --- the answer path of nl.c, on fabricated kernel answers --- */

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	++*(int *)data;
	return MNL_CB_OK;
}

/* An NLMSG_ERROR for a request of seq 9, capped or with the request. */
static size_t put_error(char *buf, int error, const char *ext, bool capped,
			uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf), *req;
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 9;
	nlh->nlmsg_pid = 77;
	nlh->nlmsg_flags = flags | (capped ? NLM_F_CAPPED : 0) |
			   (ext ? NLM_F_ACK_TLVS : 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = sizeof(e->msg);
	e->msg.nlmsg_seq = 9;
	if (!capped) {
		/* the request (a genl header and one attribute) follows */
		req = &e->msg;
		req->nlmsg_len = sizeof(*req) + 4 + 8;
		mnl_nlmsg_put_extra_header(nlh, 4 + 8);
	}
	if (ext) {
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, ext);
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	}
	return nlh->nlmsg_len;
}

static void test_nl(void)
{
	char buf[1024], *out = NULL;
	struct hp_nl_ans ans = { 0 };
	struct nlmsghdr *nlh;
	size_t len, n;
	int calls = 0, ret;
	FILE *f;

	len = put_error(buf, 0, NULL, true, 0);
	ret = hp_nl_run(buf, len, 9, 77, &ans);
	ok(ret == MNL_CB_STOP && !ans.ext[0], "an ACK ends the exchange");

	len = put_error(buf, -EEXIST, "DNAT rule exists", true, 0);
	errno = 0;
	ret = hp_nl_run(buf, len, 9, 77, &ans);
	ok(ret == MNL_CB_ERROR && errno == EEXIST &&
	   !strcmp(ans.ext, "DNAT rule exists"),
	   "an error: errno and the extack message (capped ack)");

	memset(&ans, 0, sizeof(ans));
	len = put_error(buf, -EINVAL, "NFHP_DNAT_A_DPORT_MAX below MIN", false,
			0);
	ret = hp_nl_run(buf, len, 9, 77, &ans);
	ok(ret == MNL_CB_ERROR && errno == EINVAL &&
	   !strcmp(ans.ext, "NFHP_DNAT_A_DPORT_MAX below MIN"),
	   "an error: the extack message after the echoed request");

	memset(&ans, 0, sizeof(ans));
	len = put_error(buf, -ENOENT, NULL, true, 0);
	ret = hp_nl_run(buf, len, 9, 77, &ans);
	ok(ret == MNL_CB_ERROR && errno == ENOENT && !ans.ext[0],
	   "an error without extack");

	/* a dump: two messages, then DONE */
	memset(buf, 0, sizeof(buf));
	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_DNAT_GET, NLM_F_MULTI, 9);
	nlh->nlmsg_pid = 77;
	len = nlh->nlmsg_len;
	nlh = hp_msg_start(buf + len, 0x1234, NFHP_CMD_DNAT_GET, NLM_F_MULTI,
			   9);
	nlh->nlmsg_pid = 77;
	len += nlh->nlmsg_len;
	nlh = mnl_nlmsg_put_header(buf + len);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = 9;
	nlh->nlmsg_pid = 77;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	len += nlh->nlmsg_len;
	ans = (struct hp_nl_ans){ .cb = count_cb, .data = &calls };
	ret = hp_nl_run(buf, len, 9, 77, &ans);
	ok(ret == MNL_CB_STOP && calls == 2, "a dump: each message, then "
	   "DONE ends it");

	calls = 0;
	ret = hp_nl_run(buf, len, 10, 77, &ans);
	ok(ret == MNL_CB_ERROR && errno == EPROTO && calls == 0,
	   "an answer to another sequence number is refused");

	((struct nlmsghdr *)buf)->nlmsg_flags |= NLM_F_DUMP_INTR;
	ret = hp_nl_run(buf, len, 9, 77, &ans);
	ok(ret == MNL_CB_ERROR && errno == EINTR,
	   "NLM_F_DUMP_INTR: EINTR, so the dump is retried");

	*(int *)mnl_nlmsg_get_payload(nlh) = -ENOBUFS;
	((struct nlmsghdr *)buf)->nlmsg_flags &= ~NLM_F_DUMP_INTR;
	ret = hp_nl_run(buf, len, 9, 77, &ans);
	ok(ret == MNL_CB_ERROR && errno == ENOBUFS,
	   "a dump that ends in an error reports it");

	f = open_memstream(&out, &n);
	hp_nl_report(f, EEXIST, "DNAT rule exists");
	hp_nl_report(f, ENOENT, "");
	hp_nl_report(f, EPERM, NULL);
	hp_nl_report(f, EPERM, "config conn-max: above the initial namespace's value");
	hp_nl_report(f, EINTR, NULL);
	fclose(f);
	diag(ok(!strcmp(out, "hairpin: kernel: DNAT rule exists (File exists)\n"
			"hairpin: kernel: No such file or directory\n"
			"hairpin: Operation not permitted: nf_hairpin needs "
			"CAP_NET_ADMIN (run as root)\n"
			"hairpin: Operation not permitted: config conn-max: "
			"above the initial namespace's value\n"
			"hairpin: dump interrupted, try again\n"),
		"kernel refusals: extack message and strerror"), out);
	free(out);
}

/* --- save -> restore --- */

static const char *const rule_lines[] = {
	"dnat add dst 100.0.0.254 proto tcp dport 80 to 172.16.0.1",
	"snat add src 172.16.0.0/24 dst 172.16.0.0/24 to 172.16.0.254",
	"dnat add dst local proto tcp dport 80 to 172.16.0.1",
	"dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2",
	"snat add oif WAN masquerade",
	"dnat add iif br-lan src 192.168.1.0/24 dst 82.120.11.22 proto tcp "
	"dport 80 to 192.168.1.200",
	"dnat add dst 10.0.0.1 proto udp dport 53 to 192.168.1.2:5353",
	"dnat add dst 10.0.0.1 proto tcp dport 8000-8010 to "
	"192.168.1.2:9000-9010 noreflect",
	"dnat add dst 10.0.0.2 proto tcp dport 8000-8010 to 192.168.1.2:80 "
	"reflect-src external noreflect",
	"snat add src 10.0.0.7 dst 0.0.0.0/0 proto udp dport 5000-5010 to "
	"1.2.3.4",
	"snat add proto tcp masquerade",
};

#define N_LINES (sizeof(rule_lines) / sizeof(rule_lines[0]))

static void test_build_decode(void)
{
	struct hp_req req;
	struct hp_err err;
	struct hp_rule back;
	struct nlmsghdr *nlh;
	char buf[1024];
	size_t i;
	bool all = true;

	for (i = 0; i < N_LINES; i++) {
		memset(buf, 0, sizeof(buf));
		parse(rule_lines[i], &req, &err);
		nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_DNAT_ADD, 0, 1);
		if (hp_msg_put_rule(nlh, sizeof(buf), &req.rule, false) < 0 ||
		    hp_msg_get_rule(nlh, req.rule.kind, &back) < 0 ||
		    !hp_rule_equal(&req.rule, &back)) {
			printf("# build -> decode differs: %s\n", rule_lines[i]);
			all = false;
		}
	}
	ok(all, "build -> decode gives back every example rule");
}

static void test_roundtrip(void)
{
	struct hp_ruleset in = { 0 }, out;
	struct hp_req req;
	struct hp_err err;
	char line[1024], *text;
	size_t i, len = 0;
	bool same = true, canon = true;
	int ret;

	text = calloc(1, 16384);
	strcat(text, "# saved by hairpin\n\nflush\n");
	for (i = 0; i < N_LINES; i++) {
		if (parse(rule_lines[i], &req, &err)) {
			ok(false, "round trip input: %s", err.msg);
			free(text);
			return;
		}
		hp_ruleset_push(&in, &req.rule);
		hp_format_rule(&req.rule, line, sizeof(line));
		/* save writes without a prefix; restore takes both */
		strcat(text, i % 2 ? "hairpin " : "");
		strcat(text, line);
		strcat(text, i % 3 ? "\n" : "   # comment\r\n");
	}
	/* decoded dump messages, with ids and counters, too */
	hp_msg_get_rule(kernel_rule(line, true), HP_DNAT, &in.rules[0]);
	hp_ruleset_push(&in, &in.rules[0]);
	hp_msg_get_rule(kernel_rule(line, false), HP_SNAT, &in.rules[0]);
	hp_ruleset_push(&in, &in.rules[0]);
	parse(rule_lines[0], &req, &err);
	in.rules[0] = req.rule;
	for (i = N_LINES; i < in.n; i++) {
		hp_format_rule(&in.rules[i], line, sizeof(line));
		strcat(text, line);
		strcat(text, "\n");
	}
	len = strlen(text);
	ret = hp_parse_restore(text, len, &out, &err);
	ok(ret == 0 && out.n == in.n, "restore reads what save writes (%zu "
	   "rules) %s", out.n, ret ? err.msg : "");
	for (i = 0; !ret && i < in.n && i < out.n; i++) {
		same = same && hp_rule_equal(&in.rules[i], &out.rules[i]);
		hp_format_rule(&out.rules[i], line, sizeof(line));
		if (i < N_LINES && strcmp(line, rule_lines[i]) &&
		    i != 8 && i != 9)
			canon = false;
	}
	ok(!ret && same, "save -> restore gives identical rules, in order");
	ok(!ret && canon, "save prints the canonical form of each line");
	hp_format_rule(&in.rules[8], line, sizeof(line));
	ok(!strcmp(line, "dnat add dst 10.0.0.2 proto tcp dport 8000-8010 to "
		   "192.168.1.2:80 noreflect reflect-src external"),
	   "save: flags in a fixed order: %s", line);
	hp_format_rule(&in.rules[9], line, sizeof(line));
	ok(!strcmp(line, "snat add src 10.0.0.7 dst 0.0.0.0/0 proto udp dport "
		   "5000-5010 to 1.2.3.4"), "save: /32 without length, /0 "
		   "with: %s", line);
	ok(hp_format_rule(&in.rules[0], line, 8) > 8 && strlen(line) == 7,
	   "format_rule truncates safely and tells the length needed");
	if (!ret)
		hp_ruleset_free(&out);
	hp_ruleset_free(&in);
	free(text);
}

struct bad_restore {
	const char *text;
	const char *msg;
};

static const struct bad_restore bad_restores[] = {
	{ "dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2\n"
	  "snat add oif WAN masquerade\n"
	  "dnat add dst 1.1.1.2 proto tcp dport 70000 to 192.168.1.2\n",
	  "line 3: invalid port `70000'" },
	{ "# a comment\n\n"
	  "dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2\n"
	  "dnat del 3\n", "line 4: unknown command `del'" },
	{ "hairpin snat add to 1.2.3.4\nhairpin conn flush\n",
	  "line 2: unknown command `conn'" },
	{ "snat add to 1.2.3.4\nsnat\n", "line 2: missing `add' after `snat'" },
	{ "hairpin\n", "line 1: missing command" },
	{ "flush all\n", "line 1: unexpected argument `all'" },
	{ "dnat add dst 1.1.1.1 proto tcp dport 80\n", "line 1: missing `to'" },
	{ "\n\n\n\n\nsnat add oif WAN to 1.1.1.1 masquerade",
	  "line 6: `to' and `masquerade' exclude each other" },
	{ "snat add oif WAN masquerade\nsnat add to 1.2.3.4\0x\n",
	  "line 2: NUL character" },
};

static void test_restore_errors(void)
{
	struct hp_ruleset rs;
	struct hp_err err;
	size_t i, len;
	int ret;

	for (i = 0; i < sizeof(bad_restores) / sizeof(bad_restores[0]); i++) {
		const char *t = bad_restores[i].text;

		len = strlen(t);
		if (strstr(bad_restores[i].msg, "NUL"))
			len += 3;
		memset(&rs, 0xff, sizeof(rs));
		ret = hp_parse_restore(t, len, &rs, &err);
		ok(ret == HP_EXIT_USAGE && !strcmp(err.msg, bad_restores[i].msg)
		   && rs.n == 0 && !rs.rules,
		   "restore refuses: %s (got: %s), nothing kept",
		   bad_restores[i].msg, err.msg);
	}
	ret = hp_parse_restore("", 0, &rs, &err);
	ok(ret == 0 && rs.n == 0, "an empty restore is an empty rule set");
	ret = hp_parse_restore("flush\n# nothing\n", 16, &rs, &err);
	ok(ret == 0 && rs.n == 0, "flush and comments only: empty rule set");
	ret = hp_parse_restore("snat add oif WAN masquerade", 27, &rs, &err);
	ok(ret == 0 && rs.n == 1, "the last line needs no newline");
	hp_ruleset_free(&rs);
}

/* --- printing --- */

static char *capture_tbl(struct hp_tbl *t)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	hp_tbl_print(t, f);
	fclose(f);
	return s;
}

/* CONFIG_GET's answer as the kernel sends it: every setting. */
static struct nlmsghdr *kernel_config(char *buf)
{
	static const uint32_t vals[HP_CFG_N + 1] = {
		[NFHP_CFG_A_TCP_ESTABLISHED] = 7440,
		[NFHP_CFG_A_TCP_TRANSITORY] = 240,
		[NFHP_CFG_A_TCP_TIME_WAIT] = 120,
		[NFHP_CFG_A_UDP] = 300,
		[NFHP_CFG_A_ICMP] = 60,
		[NFHP_CFG_A_CONN_MAX] = 262144,
		[NFHP_CFG_A_RULES_MAX] = 65536,
		[NFHP_CFG_A_UDP_UNREPLIED] = 30,
		[NFHP_CFG_A_TCP_SYN] = 120,
		[NFHP_CFG_A_FILTERING] = NFHP_FILTERING_ENDPOINT,
	};
	struct nlmsghdr *nlh;
	struct nlattr *n;
	uint16_t i;

	memset(buf, 0, 1024);
	nlh = hp_msg_start(buf, 0x1234, NFHP_CMD_CONFIG_GET, 0, 1);
	n = mnl_attr_nest_start(nlh, NFHP_A_CONFIG);
	for (i = 1; i <= HP_CFG_N; i++)
		mnl_attr_put_u32(nlh, i, vals[i]);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

/* Prints cfg as an object: text (json false) or JSON. */
static char *print_config(const struct hp_config *cfg, bool json,
			  unsigned int groups)
{
	struct hp_tbl *t = hp_tbl_new(json, true);

	hp_print_config(t, cfg, groups);
	return capture_tbl(t);
}

/*
 * config show prints the limits; timeout show, while the deprecated alias
 * lasts, prints what it always printed: every setting, in attribute order.
 */
/* explain of seed 004's LAN client: the write-up's four steps, reflected. */
static void test_print_explain(void)
{
	struct hp_xq q = { .iif = "LAN", .proto = IPPROTO_TCP,
			   .src = A("192.168.1.10"), .dst = A("1.1.1.1"),
			   .dport = 80 };
	struct hp_xa a = { .verdict = NFHP_EXPLAIN_FORWARD,
			   .snat = NFHP_EXPLAIN_SNAT_REFLECT, .oif = "LAN",
			   .rtype = 1, .has_conn = true };
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	json_t *j;

	a.conn.has = HP_C_DNAT_ID;
	a.conn.dnat_id = 1;
	a.conn.proto = IPPROTO_TCP;
	a.conn.orig = (struct hp_tuple){ A("192.168.1.10"), A("1.1.1.1"),
					 40000, 80 };
	a.conn.reply = (struct hp_tuple){ A("192.168.1.2"), A("192.168.1.1"),
					  80, 40000 };
	a.conn.flags = NFHP_CONN_F_REFLECTED;
	f = open_memstream(&out, &len);
	hp_print_explain(f, false, &q, &a);
	fclose(f);
	diag(ok(out &&
		strstr(out, "Step 1  Source IP 192.168.1.10     Destination IP 1.1.1.1  ") &&
		strstr(out, "Step 2  Source IP 192.168.1.1      Destination IP 192.168.1.2  ") &&
		strstr(out, "Step 3  Source IP 192.168.1.2      Destination IP 192.168.1.1  ") &&
		strstr(out, "Step 4  Source IP 1.1.1.1          Destination IP 192.168.1.10 ") &&
		strstr(out, "dnat rule 1: to 192.168.1.2:80") &&
		strstr(out, "reflection, from 192.168.1.1") &&
		strstr(out, "ct status dnat snat"),
		"explain: seed 004's step table, reflected"), out);
	free(out);
	out = NULL;
	f = open_memstream(&out, &len);
	hp_print_explain(f, true, &q, &a);
	fclose(f);
	j = out ? json_loads(out, 0, NULL) : NULL;
	diag(ok(j && !strcmp(json_string_value(json_object_get(j, "verdict")),
			     "forward") &&
		!strcmp(json_string_value(json_object_get(j, "snat")),
			"reflect") &&
		json_array_size(json_object_get(j, "steps")) == 4 &&
		json_integer_value(json_object_get(json_object_get(j, "conn"),
						   "dnat_id")) == 1,
		"explain -j: verdict, snat, four steps, the connection"), out);
	json_decref(j);
	free(out);
}

static void test_print_config(void)
{
	struct hp_config cfg = { 0 };
	char buf[1024], *s;
	json_t *j;

	ok(hp_msg_get_config(kernel_config(buf), &cfg) == 0,
	   "decodes a full CONFIG_GET answer");

	s = print_config(&cfg, false, HP_CFG_CONFIG);
	diag(ok(s && !strcmp(s, "conn_max   262144\nrules_max  65536\n"
				"filtering  endpoint-independent\n"),
		"config show: the two limits and filtering, aligned"), s);
	free(s);
	s = print_config(&cfg, true, HP_CFG_CONFIG);
	diag(ok(s && !strcmp(s, "{\"conn_max\":262144,\"rules_max\":65536,"
				"\"filtering\":\"endpoint-independent\"}\n"),
		"config show -j: one object, the limits and filtering"), s);
	free(s);

	s = print_config(&cfg, false, HP_CFG_TIMEOUT_ALIAS);
	diag(ok(s && !strcmp(s, "tcp_established  7440\n"
				"tcp_transitory   240\n"
				"tcp_time_wait    120\n"
				"udp              300\n"
				"icmp             60\n"
				"udp_unreplied    30\n"
				"tcp_syn          120\n"
				"conn_max         262144\n"
				"rules_max        65536\n"),
		"timeout show (deprecated alias): the old lines unchanged, "
		"new timeouts before the limits"), s);
	free(s);
	s = print_config(&cfg, true, HP_CFG_TIMEOUT_ALIAS);
	j = s ? json_loads(s, 0, NULL) : NULL;
	diag(ok(json_is_object(j) && json_object_size(j) == 9 &&
		json_integer_value(json_object_get(j, "udp")) == 300 &&
		json_integer_value(json_object_get(j, "udp_unreplied")) == 30 &&
		json_integer_value(json_object_get(j, "tcp_syn")) == 120 &&
		json_integer_value(json_object_get(j, "conn_max")) == 262144 &&
		json_integer_value(json_object_get(j, "rules_max")) == 65536,
		"timeout show -j (deprecated alias): all nine keys"), s);
	json_decref(j);
	free(s);

	s = print_config(&cfg, false, HP_CFG_TIMEOUTS);
	diag(ok(s && !strstr(s, "conn_max") && !strstr(s, "rules_max") &&
		strstr(s, "tcp_established  7440\n") &&
		strstr(s, "icmp             60\n"),
		"timeouts alone (timeout show once the alias goes)"), s);
	free(s);

	memset(&cfg, 0, sizeof(cfg));
	cfg.set[NFHP_CFG_A_UDP] = true;
	cfg.val[NFHP_CFG_A_UDP] = 30;
	s = print_config(&cfg, true, HP_CFG_LIMITS);
	diag(ok(s && !strcmp(s, "{}\n"),
		"config show -j: no limits in the answer, an empty object"), s);
	free(s);
}

static void test_print(void)
{
	struct hp_ruleset rs = { 0 };
	struct hp_connset cs = { 0 };
	struct hp_stats st = { 0 };
	struct hp_config cfg = { 0 };
	struct hp_rule r;
	struct hp_conn c;
	char buf[1024], *s, *row;
	json_t *j, *o;
	FILE *f;
	size_t n;
	int i;

	hp_msg_get_rule(kernel_rule(buf, true), HP_DNAT, &r);
	hp_ruleset_push(&rs, &r);
	hp_msg_get_rule(kernel_rule(buf, false), HP_SNAT, &r);
	hp_ruleset_push(&rs, &r);

	struct hp_tbl *t = hp_tbl_new(true, false);

	hp_print_rules(t, &rs);
	s = capture_tbl(t);
	j = json_loads(s, 0, NULL);
	o = json_array_get(j, 0);
	ok(json_is_array(j) && json_array_size(j) == 2 &&
	   json_integer_value(json_object_get(o, "id")) == 5 &&
	   !strcmp(json_string_value(json_object_get(o, "iif")), "br-lan") &&
	   !strcmp(json_string_value(json_object_get(o, "src")),
		   "192.168.1.0/24") &&
	   !strcmp(json_string_value(json_object_get(o, "dst")), "local") &&
	   !strcmp(json_string_value(json_object_get(o, "proto")), "tcp") &&
	   !strcmp(json_string_value(json_object_get(o, "dport")),
		   "8000-8010") &&
	   !strcmp(json_string_value(json_object_get(o, "to")),
		   "192.168.1.2:9000-9010") &&
	   json_is_true(json_object_get(json_object_get(o, "flags"),
					"noreflect")) &&
	   !strcmp(json_string_value(json_object_get(json_object_get(o,
				"flags"), "reflect_src")), "external") &&
	   json_integer_value(json_object_get(o, "packets")) == 5000000000LL &&
	   json_integer_value(json_object_get(o, "bytes")) == 1LL << 40 &&
	   json_integer_value(json_object_get(o, "connections")) == 3,
	   "dnat list -j: every key");
	o = json_array_get(j, 1);
	ok(o && !json_object_get(o, "to") && !json_object_get(o, "src") &&
	   !strcmp(json_string_value(json_object_get(o, "oif")), "WAN") &&
	   !strcmp(json_string_value(json_object_get(o, "dst")), "10.0.0.0/8") &&
	   json_is_true(json_object_get(json_object_get(o, "flags"),
					"masquerade")),
	   "snat list -j: masquerade, absent keys left out");
	json_decref(j);
	free(s);

	t = hp_tbl_new(false, false);
	hp_print_rules(t, &rs);
	s = capture_tbl(t);
	row = s ? strchr(s, '\n') : NULL;
	diag(ok(s && !strncmp(s, "ID  IIF     SRC             DST         "
			      "PROTO  DPORT      TO                     FLAGS",
			      85) &&
		row && !strncmp(row + 1, "5   br-lan  192.168.1.0/24  local   "
				"    tcp    8000-8010  192.168.1.2:9000-9010  "
				"noreflect,reflect-src=external  5000000000  "
				"1099511627776  3\n", 130) &&
		strstr(s, "\n2   WAN     -               10.0.0.0/8  -      "
		       "-          -                      masquerade     "),
		"rule list: aligned columns, - for what is absent"), s);
	free(s);
	hp_ruleset_free(&rs);

	hp_msg_get_conn(kernel_conn(buf), &c);
	cs.conns = &c;
	cs.n = 1;
	t = hp_tbl_new(true, false);
	hp_print_conns(t, &cs);
	s = capture_tbl(t);
	j = json_loads(s, 0, NULL);
	o = json_array_get(j, 0);
	ok(o && !strcmp(json_string_value(json_object_get(o, "proto")), "tcp") &&
	   !strcmp(json_string_value(json_object_get(o, "state")),
		   "established") &&
	   json_integer_value(json_object_get(o, "timeout")) == 7439 &&
	   !strcmp(json_string_value(json_object_get(json_object_get(o,
				"orig"), "src")), "192.168.1.10") &&
	   json_integer_value(json_object_get(json_object_get(o, "orig"),
					      "sport")) == 40000 &&
	   json_integer_value(json_object_get(json_object_get(o, "reply"),
					      "dport")) == 40000 &&
	   !strcmp(json_string_value(json_object_get(json_object_get(o,
				"reply"), "dst")), "192.168.1.1") &&
	   json_integer_value(json_object_get(o, "dnat_id")) == 1 &&
	   !json_object_get(o, "snat_id") &&
	   json_is_true(json_object_get(json_object_get(o, "flags"),
					"reflected")) &&
	   json_is_false(json_object_get(json_object_get(o, "flags"),
					 "local_out")),
	   "conn list -j: every key, no snat_id when absent");
	json_decref(j);
	free(s);

	t = hp_tbl_new(false, false);
	hp_print_conns(t, &cs);
	s = capture_tbl(t);
	diag(ok(s && strstr(s, "PROTO  STATE        TIMEOUT  ORIG") &&
		strstr(s, "tcp    established  7439     192.168.1.10:40000 -> "
		       "1.1.1.1:80  192.168.1.2:80 -> 192.168.1.1:40000  1     "
		       "-     reflected,replied\n"), "conn list: columns"), s);
	free(s);

	s = NULL;
	f = open_memstream(&s, &n);
	hp_print_event(f, false, NFHP_CMD_CONN_NEW, &c);
	hp_print_event(f, true, NFHP_CMD_CONN_DESTROY, &c);
	fclose(f);
	row = s ? strchr(s, '\n') : NULL;
	j = row ? json_loads(row + 1, 0, NULL) : NULL;
	diag(ok(s && row && !strncmp(s, "[NEW] tcp 192.168.1.10:40000 -> "
				     "1.1.1.1:80 | reply 192.168.1.2:80 -> "
				     "192.168.1.1:40000 | established dnat 1 "
				     "reflected\n", (size_t)(row - s + 1)),
		"monitor: one text line per event"), s);
	ok(j && !strcmp(json_string_value(json_object_get(j, "event")),
			"destroy") &&
	   json_object_get(j, "orig") && json_object_get(j, "reply") &&
	   !strchr(row + 1, '\n')[1], "monitor -j: one JSON object per line");
	json_decref(j);
	free(s);

	st.set[NFHP_STATS_A_CONNS] = st.set[NFHP_STATS_A_CLASH] = true;
	st.val[NFHP_STATS_A_CONNS] = 2;
	st.val[NFHP_STATS_A_CLASH] = 1ULL << 40;
	t = hp_tbl_new(true, true);
	hp_print_stats(t, &st);
	s = capture_tbl(t);
	j = json_loads(s, 0, NULL);
	ok(json_is_object(j) && json_object_size(j) == 2 &&
	   json_integer_value(json_object_get(j, "conns")) == 2 &&
	   json_integer_value(json_object_get(j, "clash")) == 1LL << 40,
	   "stats -j: an object");
	json_decref(j);
	free(s);
	t = hp_tbl_new(false, true);
	hp_print_stats(t, &st);
	s = capture_tbl(t);
	ok(s && !strcmp(s, "conns  2\nclash  1099511627776\n"),
	   "stats: name value lines");
	free(s);

	/* The kernel sends every counter: all of them print, in text and
	 * JSON (a table of 16 columns once made this "out of memory").
	 */
	for (i = 1; i <= NFHP_STATS_A_MAX; i++) {
		st.set[i] = i != NFHP_STATS_A_PAD;
		st.val[i] = i;
	}
	t = hp_tbl_new(false, true);
	hp_print_stats(t, &st);
	s = capture_tbl(t);
	diag(ok(s && strstr(s, "clash_remap  ") &&
		strstr(s, "conns  ") && strstr(s, "ct_drop  "),
		"stats: every counter the kernel sends is printed"), s);
	free(s);
	t = hp_tbl_new(true, true);
	hp_print_stats(t, &st);
	s = capture_tbl(t);
	j = s ? json_loads(s, 0, NULL) : NULL;
	ok(json_is_object(j) &&
	   json_object_size(j) == NFHP_STATS_A_MAX - 1 &&
	   json_integer_value(json_object_get(j, "clash_remap")) ==
	   NFHP_STATS_A_CLASH_REMAP,
	   "stats -j: every counter the kernel sends");
	json_decref(j);
	free(s);

	/* Malformed packets are counted and let through, not dropped. */
	memset(&st, 0, sizeof(st));
	st.set[NFHP_STATS_A_MALFORMED] = true;
	st.val[NFHP_STATS_A_MALFORMED] = 3;
	t = hp_tbl_new(false, true);
	hp_print_stats(t, &st);
	s = capture_tbl(t);
	diag(ok(s && !strcmp(s, "malformed  3\n"),
		"stats: the malformed counter by its honest name"), s);
	free(s);
	t = hp_tbl_new(true, true);
	hp_print_stats(t, &st);
	s = capture_tbl(t);
	diag(ok(s && !strcmp(s, "{\"malformed\":3}\n"),
		"stats -j: key malformed, no drop_malformed"), s);
	free(s);

	cfg.set[NFHP_CFG_A_TCP_ESTABLISHED] = cfg.set[NFHP_CFG_A_UDP] = true;
	cfg.val[NFHP_CFG_A_TCP_ESTABLISHED] = 7440;
	cfg.val[NFHP_CFG_A_UDP] = 300;
	t = hp_tbl_new(true, true);
	hp_print_config(t, &cfg, HP_CFG_TIMEOUT_ALIAS);
	s = capture_tbl(t);
	ok(s && !strcmp(s, "{\"tcp_established\":7440,\"udp\":300}\n"),
	   "timeout show -j: %s", s);
	free(s);
	t = hp_tbl_new(false, true);
	hp_print_config(t, &cfg, HP_CFG_TIMEOUT_ALIAS);
	s = capture_tbl(t);
	ok(s && !strcmp(s, "tcp_established  7440\nudp              300\n"),
	   "timeout show: aligned");
	free(s);

	test_print_config();
	test_print_explain();
}

/* --- help against the man page --- */

/* Drops font escapes, turns \- into -, collapses blanks. */
static void normalize(char *s)
{
	char *w = s, *r = s;

	while (*r) {
		if (r[0] == '\\' && r[1] == 'f' && r[2]) {
			r += 3;
		} else if (r[0] == '\\' && (r[1] == '-' || r[1] == '&')) {
			if (r[1] == '-')
				*w++ = '-';
			r += 2;
		} else if (*r == ' ' || *r == '\t') {
			if (w > s && w[-1] != ' ')
				*w++ = ' ';
			r++;
		} else {
			*w++ = *r++;
		}
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

/*
 * The lines of one section (or of help output), continuation lines (that
 * start with a blank) joined to the line before; request lines dropped.
 */
static int section_lines(const char *text, const char *sect, char **out,
			 int max)
{
	const char *p = text, *end;
	bool in = !sect;
	int n = 0;
	char *l;

	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		if (sect && !strncmp(p, ".SH ", 4)) {
			in = !strncmp(p + 4, sect, strlen(sect)) &&
			     (size_t)(end - p) == 4 + strlen(sect);
			continue;
		}
		if (!in || *p == '.' || p == end)
			continue;
		if ((*p == ' ' || *p == '\t') && n > 0) {
			l = out[n - 1];
			out[n - 1] = malloc(strlen(l) + (size_t)(end - p) + 2);
			sprintf(out[n - 1], "%s %.*s", l, (int)(end - p), p);
			free(l);
		} else if (n < max) {
			out[n++] = strndup(p, (size_t)(end - p));
		}
	}
	for (int i = 0; i < n; i++)
		normalize(out[i]);
	return n;
}

static bool has_line(char **lines, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(lines[i], s))
			return true;
	return false;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

static void test_man(const char *man_path)
{
	char *man = slurp(man_path), *help = NULL, *syn[64], *cmds[256];
	char *hl[64], want[512];
	const struct hp_obj *o;
	const struct hp_cmd *c;
	int nsyn, ncmds, nhelp, i, expected = 1;
	bool all_syn = true, all_cmds = true, all_help = true, extra = false;
	size_t len;
	FILE *f;

	if (!ok(man != NULL, "man page %s readable", man_path))
		return;
	f = open_memstream(&help, &len);
	hp_print_usage(f, NULL);
	fclose(f);
	/* "Usage: hairpin ..." and "       hairpin ..." lines, unwrapped */
	*strstr(help, "\n\n") = '\0';
	for (char *p = help; (p = strstr(p, "Usage: hairpin")); )
		memmove(p, p + 7, strlen(p + 7) + 1);
	for (char *p = help; (p = strstr(p, "\n       hairpin")); )
		memmove(p + 1, p + 8, strlen(p + 8) + 1);
	nhelp = section_lines(help, NULL, hl, 64);
	nsyn = section_lines(man, "SYNOPSIS", syn, 64);
	ncmds = section_lines(man, "COMMANDS", cmds, 256);

	all_syn = has_line(syn, nsyn, hp_usage_main);
	all_help = has_line(hl, nhelp, hp_usage_main);
	for (o = hp_objs; o->name; o++) {
		for (c = o->cmds; c->name; c++, expected++) {
			snprintf(want, sizeof(want), "hairpin %s", c->usage);
			if (!has_line(syn, nsyn, want)) {
				all_syn = false;
				printf("# not in SYNOPSIS: %s\n", want);
			}
			if (!has_line(hl, nhelp, want)) {
				all_help = false;
				printf("# not in help: %s\n", want);
			}
			if (!has_line(cmds, ncmds, c->usage)) {
				all_cmds = false;
				printf("# not in COMMANDS: %s\n", c->usage);
			}
		}
	}
	for (i = 0; i < nsyn; i++)
		extra |= strncmp(syn[i], "hairpin", 7) != 0;
	ok(all_help && nhelp == expected, "help prints every usage line "
	   "(%d of %d)", nhelp, expected);
	ok(all_syn && nsyn == expected && !extra,
	   "man SYNOPSIS is exactly the help usage (%d lines)", nsyn);
	ok(all_cmds, "man COMMANDS has a heading for every command");
	for (i = 0; i < nsyn; i++)
		free(syn[i]);
	for (i = 0; i < ncmds; i++)
		free(cmds[i]);
	for (i = 0; i < nhelp; i++)
		free(hl[i]);
	for (i = 0; i < 8; i++) {
		static const char *const sects[] = { "NAME", "SYNOPSIS",
			"DESCRIPTION", "COMMANDS", "CONFIGURATION FILE FORMAT",
			"EXAMPLE", "DEBUGGING INFORMATION", "SEE ALSO" };

		snprintf(want, sizeof(want), "\n.SH %s\n", sects[i]);
		ok(strstr(man, want) != NULL, "man page has section %s",
		   sects[i]);
	}
	free(help);
	free(man);
}

/* --- the binary: exit codes and messages --- */

/* Runs "bin args" (with stdin from in, if not NULL); returns the exit code. */
static int run(const char *bin, const char *args, const char *in,
	       char *out, size_t outsz, char *err, size_t errsz)
{
	char cmd[1024], o[] = "/tmp/hp-test-XXXXXX", e[] = "/tmp/hp-test-XXXXXX";
	char i[] = "/tmp/hp-test-XXXXXX";
	int fo = mkstemp(o), fe = mkstemp(e), fi = -1, st;
	FILE *f;
	size_t n;

	if (in) {
		fi = mkstemp(i);
		if (write(fi, in, strlen(in)) < 0)
			return -1;
		close(fi);
	}
	snprintf(cmd, sizeof(cmd), "%s %s >%s 2>%s <%s", bin, args, o, e,
		 in ? i : "/dev/null");
	st = system(cmd);
	f = fopen(o, "r");
	n = f ? fread(out, 1, outsz - 1, f) : 0;
	out[n] = '\0';
	if (f)
		fclose(f);
	f = fopen(e, "r");
	n = f ? fread(err, 1, errsz - 1, f) : 0;
	err[n] = '\0';
	if (f)
		fclose(f);
	close(fo);
	close(fe);
	unlink(o);
	unlink(e);
	if (in)
		unlink(i);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_binary(const char *bin)
{
	char out[8192], err[1024];
	struct stat sb;
	int rc;

	rc = run(bin, "dnat add dst 1.2.3.4 proto tcp dport 70000 to 1.1.1.1",
		 NULL, out, sizeof(out), err, sizeof(err));
	ok(rc == 2 && !strcmp(err, "hairpin: invalid port `70000'\n") &&
	   !out[0], "binary: bad port exits 2 with one line on stderr");
	rc = run(bin, "dnat add dst 1.2.3.4 proto tcp dport 80", NULL, out,
		 sizeof(out), err, sizeof(err));
	ok(rc == 2 && !strcmp(err, "hairpin: missing `to'\n"),
	   "binary: missing keyword exits 2");
	rc = run(bin, "frobnicate", NULL, out, sizeof(out), err, sizeof(err));
	ok(rc == 2 && !strcmp(err, "hairpin: unknown object `frobnicate'\n"),
	   "binary: unknown object exits 2");
	rc = run(bin, "restore", "dnat add dst 1.1.1.1 proto tcp dport 80 to "
		 "192.168.1.2\n\n# x\nsnat add oif WAN to 300.1.1.1\n", out,
		 sizeof(out), err, sizeof(err));
	ok(rc == 2 && !strcmp(err, "hairpin: line 4: invalid address "
			      "`300.1.1.1'\n"),
	   "binary: restore names the bad line and token, exits 2: %s", err);
	{
		char f[] = "/tmp/hp-rules-XXXXXX", a[64];
		int fd = mkstemp(f);
		const char *t = "# rules\n\nsnat add oif WAN masquerade\n"
				"dnat add dst 1.1.1.1 proto tcp dport 8o to "
				"10.0.0.1\n";

		if (fd < 0 || write(fd, t, strlen(t)) < 0)
			ok(false, "restore FILE: temporary file");
		close(fd);
		snprintf(a, sizeof(a), "restore %s", f);
		rc = run(bin, a, NULL, out, sizeof(out), err, sizeof(err));
		snprintf(a, sizeof(a), "hairpin: %s: line 4: invalid port "
			 "`8o'\n", f);
		ok(rc == 2 && !strcmp(err, a),
		   "binary: restore FILE names the file, the line and the "
		   "token: %s", err);
		unlink(f);
	}
	rc = run(bin, "restore /nonexistent/file", NULL, out, sizeof(out), err,
		 sizeof(err));
	ok(rc == 1 && strstr(err, "cannot open `/nonexistent/file'"),
	   "binary: restore from a missing file exits 1");
	rc = run(bin, "--version", NULL, out, sizeof(out), err, sizeof(err));
	ok(rc == 0 && !strncmp(out, "hairpin ", 8) && strlen(out) > 9,
	   "binary: --version: %s", out);
	rc = run(bin, "help dnat", NULL, out, sizeof(out), err, sizeof(err));
	ok(rc == 0 && strstr(out, "hairpin dnat add") &&
	   !strstr(out, "snat add"), "binary: help dnat shows dnat only");
	rc = run(bin, "config set conn_max 0", NULL, out, sizeof(out), err,
		 sizeof(err));
	ok(rc == 2 && !strcmp(err, "hairpin: invalid limit `0'\n") && !out[0],
	   "binary: config set with a bad limit exits 2 quoting it");
	rc = run(bin, "config set udp 30", NULL, out, sizeof(out), err,
		 sizeof(err));
	ok(rc == 2 && !strcmp(err, "hairpin: `udp' is a timeout: use "
			      "`timeout set'\n"),
	   "binary: config set with a timeout exits 2 and says where it goes");
	rc = run(bin, "config help", NULL, out, sizeof(out), err, sizeof(err));
	diag(ok(rc == 0 && strstr(out, "hairpin config show\n") &&
		strstr(out, "hairpin config set [conn_max N] [rules_max N] "
		       "[filtering BEHAVIOUR]\n") &&
		!strstr(out, "timeout") && !strstr(out, "Deprecated"),
		"binary: config help shows config only"), out);
	rc = run(bin, "timeout help", NULL, out, sizeof(out), err,
		 sizeof(err));
	diag(ok(rc == 0 && strstr(out, "hairpin timeout set") &&
		strstr(out, "Deprecated (removed in the next release): "
		       "`timeout set' also takes conn_max and\nrules_max") &&
		strstr(out, "use `config'.\n"),
		"binary: timeout help says the limits there are deprecated"),
	     out);
	rc = run(bin, "help", NULL, out, sizeof(out), err, sizeof(err));
	ok(rc == 0 && strstr(out, "\n  config set ") &&
	   strstr(out, "\nDeprecated (removed in the next release)"),
	   "binary: help lists config and the deprecation");
	rc = run(bin, "-n hairpin-test-no-such-ns stats", NULL, out,
		 sizeof(out), err, sizeof(err));
	ok(rc == 1 && strstr(err, "hairpin: cannot open netns "
			     "`hairpin-test-no-such-ns'"),
	   "binary: -n with a missing namespace exits 1");
	if (stat("/sys/module/nf_hairpin", &sb) == 0) {
		printf("ok %d - # SKIP nf_hairpin is loaded\n",
		       n_pass + n_fail + 1);
		n_pass++;
		return;
	}
	rc = run(bin, "dnat list", NULL, out, sizeof(out), err, sizeof(err));
	ok(rc == 1 && !strcmp(err, "hairpin: nf_hairpin is not loaded: "
			      "modprobe nf_hairpin\n"),
	   "binary: without the module: exit 1 and how to load it (%s)", err);
	rc = run(bin, "config set conn_max 20 rules_max 100", NULL, out,
		 sizeof(out), err, sizeof(err));
	ok(rc == 1 && strstr(err, "nf_hairpin is not loaded"),
	   "binary: config set parses, then needs the module (%s)", err);
	rc = run(bin, "timeout set conn_max 20 udp 3600", NULL, out,
		 sizeof(out), err, sizeof(err));
	ok(rc == 1 && strstr(err, "nf_hairpin is not loaded"),
	   "binary: timeout set conn_max (alias) parses as before (%s)", err);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s HAIRPIN-BINARY MAN-PAGE\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_good();
	test_fields();
	test_bad();
	test_build();
	test_replace();
	test_decode();
	test_nl();
	test_build_decode();
	test_roundtrip();
	test_restore_errors();
	test_print();
	test_man(argv[2]);
	test_binary(argv[1]);
	printf("1..%d\n", n_pass + n_fail);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
