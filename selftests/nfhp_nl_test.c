// SPDX-License-Identifier: GPL-2.0
/*
 * nfhp_nl_test: talk raw generic netlink to the nf_hairpin family.
 *
 * Sends malformed and contradictory requests and checks that each is
 * rejected with the right errno, an extack message naming the attribute,
 * the attribute's offset (or the missing attribute's type), and that the
 * rule set is unchanged afterwards.  Then loads 10,000 rules (REPLACE and
 * batched ADD), dumps them completely across many messages, checks that a
 * dump spanning a change is flagged NLM_F_DUMP_INTR, and flushes.
 *
 * Run as root in a namespace of its own (it flushes the rules):
 *   ip netns exec NS ./nfhp_nl_test [-n RULES]
 * or: -c prints "dnat N snat M"; -p (as an unprivileged caller) checks
 * that every command is refused with EPERM.
 * Output: "# ok N - what" or "# not ok N - what: why"; exit 0 if all pass.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/nf_hairpin.h>

#define BUFSZ	(8 << 20)

static struct mnl_socket *nl;
static uint16_t family;
static unsigned int seq;
static int tests, failures;
static char *buf;	/* requests */
static char *rbuf;	/* answers */

/* What an error answer carried. */
struct answer {
	int err;		/* 0 or -errno */
	char msg[256];
	int offs;		/* NLMSGERR_ATTR_OFFS or -1 */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE or -1 */
};

static void result(bool ok, const char *what, const char *why)
{
	tests++;
	if (ok) {
		printf("# ok %d - %s\n", tests, what);
	} else {
		failures++;
		printf("# not ok %d - %s: %s\n", tests, what, why);
	}
	fflush(stdout);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct nlmsghdr *msg_start(char *at, uint16_t type, uint8_t cmd,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = NFHP_GENL_VERSION;
	return nlh;
}

static struct nlmsghdr *req(uint8_t cmd, uint16_t flags)
{
	return msg_start(buf, family, cmd, flags);
}

/* Offset of the next attribute put into @nlh. */
static int here(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_len;
}

static int err_attr_cb(const struct nlattr *a, void *data)
{
	struct answer *ans = data;

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		snprintf(ans->msg, sizeof(ans->msg), "%s", mnl_attr_get_str(a));
		break;
	case NLMSGERR_ATTR_OFFS:
		ans->offs = mnl_attr_get_u32(a);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		ans->miss_type = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

/* Read answers until the ack (or error) of the request with @seqno. */
static void wait_ack(unsigned int seqno, struct answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	ans->offs = -1;
	ans->miss_type = -1;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, BUFSZ);
		struct nlmsghdr *nlh;
		int len = n;

		if (n < 0) {
			ans->err = -errno;
			snprintf(ans->msg, sizeof(ans->msg), "recv: %m");
			return;
		}
		for (nlh = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;
			unsigned int off;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (nlh->nlmsg_seq != seqno)
				continue;
			ans->err = e->error;
			off = sizeof(*nlh) + sizeof(*e);
			if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - sizeof(e->msg);
				mnl_attr_parse(nlh, off - sizeof(*nlh),
					       err_attr_cb, ans);
			}
			return;
		}
	}
}

/* Read @n acks of a batch; the first error in @ans. */
static int wait_acks(unsigned int n, struct answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	while (n) {
		ssize_t r = mnl_socket_recvfrom(nl, rbuf, BUFSZ);
		struct nlmsghdr *nlh;
		int len = r;

		if (r < 0) {
			ans->err = -errno;
			snprintf(ans->msg, sizeof(ans->msg), "recv: %m");
			return ans->err;
		}
		for (nlh = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			n--;
			if (e->error && !ans->err)
				ans->err = e->error;
		}
	}
	return ans->err;
}

static int send_ack(struct nlmsghdr *nlh, struct answer *ans)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ans->err = -errno;
		snprintf(ans->msg, sizeof(ans->msg), "send: %m");
		return ans->err;
	}
	wait_ack(nlh->nlmsg_seq, ans);
	return ans->err;
}

/* Dump @cmd; count the messages, the recv() calls and DUMP_INTR flags. */
struct dump_count {
	int msgs, reads, intr, err;
};

static struct dump_count dump(uint8_t cmd, void (*mid)(void))
{
	struct dump_count c = { 0 };
	struct nlmsghdr *nlh = req(cmd, NLM_F_DUMP);
	unsigned int s = nlh->nlmsg_seq;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		c.err = -errno;
		return c;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, BUFSZ);
		int len = n;

		if (n < 0) {
			c.err = -errno;
			return c;
		}
		c.reads++;
		for (nlh = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != s)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				c.intr++;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return c;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				c.err = ((struct nlmsgerr *)
					 mnl_nlmsg_get_payload(nlh))->error;
				return c;
			}
			c.msgs++;
		}
		/* After the first read is counted: mid() reuses rbuf. */
		if (c.reads == 1 && mid)
			mid();
	}
}

static int count(uint8_t cmd)
{
	struct dump_count c = dump(cmd, NULL);

	return c.err ? c.err : c.msgs;
}

/* ---- rules ---- */

enum { F_IIF = 1, F_SRC = 2, F_PLEN = 4, F_DST = 8, F_PROTO = 16,
	F_DMIN = 32, F_DMAX = 64, F_TO = 128, F_TMIN = 256, F_TMAX = 512,
	F_FLAGS = 1024, F_ID = 2048 };

struct dnat {
	unsigned int has;
	const char *iif;
	const char *src, *dst, *to;
	uint8_t plen, proto;
	uint16_t dmin, dmax, tmin, tmax;
	uint32_t flags, id;
};

static const struct dnat good = {
	.has = F_DST | F_PROTO | F_DMIN | F_TO,
	.dst = "192.0.2.1", .proto = IPPROTO_TCP, .dmin = 8080,
	.to = "10.0.0.2",
};

static void put_addr(struct nlmsghdr *nlh, int type, const char *a)
{
	struct in_addr in;

	inet_pton(AF_INET, a, &in);
	mnl_attr_put(nlh, type, 4, &in);
}

/* Put @d as a DNAT nest of type @nest_type; returns the nest. */
static struct nlattr *put_dnat(struct nlmsghdr *nlh, int nest_type,
			       const struct dnat *d)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, nest_type);

	if (d->has & F_ID)
		mnl_attr_put_u32(nlh, NFHP_DNAT_A_ID, d->id);
	if (d->has & F_IIF)
		mnl_attr_put_strz(nlh, NFHP_DNAT_A_IIF, d->iif);
	if (d->has & F_SRC)
		put_addr(nlh, NFHP_DNAT_A_SRC, d->src);
	if (d->has & F_PLEN)
		mnl_attr_put_u8(nlh, NFHP_DNAT_A_SRC_PLEN, d->plen);
	if (d->has & F_DST)
		put_addr(nlh, NFHP_DNAT_A_DST, d->dst);
	if (d->has & F_PROTO)
		mnl_attr_put_u8(nlh, NFHP_DNAT_A_PROTO, d->proto);
	if (d->has & F_DMIN)
		mnl_attr_put_u16(nlh, NFHP_DNAT_A_DPORT_MIN, htons(d->dmin));
	if (d->has & F_DMAX)
		mnl_attr_put_u16(nlh, NFHP_DNAT_A_DPORT_MAX, htons(d->dmax));
	if (d->has & F_TO)
		put_addr(nlh, NFHP_DNAT_A_TO, d->to);
	if (d->has & F_TMIN)
		mnl_attr_put_u16(nlh, NFHP_DNAT_A_TO_PORT_MIN, htons(d->tmin));
	if (d->has & F_TMAX)
		mnl_attr_put_u16(nlh, NFHP_DNAT_A_TO_PORT_MAX, htons(d->tmax));
	if (d->has & F_FLAGS)
		mnl_attr_put_u32(nlh, NFHP_DNAT_A_FLAGS, d->flags);
	return nest;
}

/*
 * Check an answer: errno @err, a message containing @word (if given), the
 * bad attribute at @offs (if >= 0) or the missing @miss type (if >= 0).
 */
static void expect(const char *what, const struct answer *a, int err,
		   const char *word, int offs, int miss)
{
	char why[512];

	if (a->err != err)
		snprintf(why, sizeof(why), "errno %d, expected %d (msg \"%s\")",
			 -a->err, -err, a->msg);
	else if (err && err != -EPERM && !a->msg[0])
		snprintf(why, sizeof(why), "no extack message");
	else if (word && !strstr(a->msg, word))
		snprintf(why, sizeof(why), "message \"%s\" does not name \"%s\"",
			 a->msg, word);
	else if (offs >= 0 && a->offs != offs)
		snprintf(why, sizeof(why), "bad-attribute offset %d, expected %d (msg \"%s\")",
			 a->offs, offs, a->msg);
	else if (miss >= 0 && a->miss_type != miss)
		snprintf(why, sizeof(why), "missing type %d, expected %d (msg \"%s\")",
			 a->miss_type, miss, a->msg);
	else
		why[0] = 0;
	if (!why[0] && err) {
		char w[400];

		snprintf(w, sizeof(w), "%s [%s]", what, a->msg);
		result(true, w, NULL);
		return;
	}
	result(!why[0], what, why);
}

/*
 * Send DNAT_ADD of @d with, at the end of the nest, @extra_type/@extra
 * (raw bytes, @extra_len) if @extra_type; expect the rejection.
 */
static void dnat_bad(const char *what, const struct dnat *d, int extra_type,
		     const void *extra, int extra_len, int err,
		     const char *word, int miss)
{
	struct nlmsghdr *nlh = req(NFHP_CMD_DNAT_ADD, 0);
	struct nlattr *nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, d);
	struct answer a;
	int offs = -1;

	if (extra_type) {
		offs = here(nlh);
		mnl_attr_put(nlh, extra_type, extra_len, extra);
	}
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect(what, &a, err, word, offs, miss);
}

static int dnat_add(const struct dnat *d, struct answer *a)
{
	struct nlmsghdr *nlh = req(NFHP_CMD_DNAT_ADD, 0);
	struct nlattr *nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, d);

	mnl_attr_nest_end(nlh, nest);
	return send_ack(nlh, a);
}

static int simple(uint8_t cmd)
{
	struct answer a;

	return send_ack(req(cmd, 0), &a);
}

static int resolve_family(void)
{
	struct nlmsghdr *nlh = msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
					 NLM_F_ACK);
	int len;
	ssize_t n;

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NFHP_GENL_NAME);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	n = mnl_socket_recvfrom(nl, rbuf, BUFSZ);
	len = n;
	for (nlh = (struct nlmsghdr *)rbuf; n > 0 && mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		struct nlattr *a;

		if (nlh->nlmsg_type != GENL_ID_CTRL)
			continue;
		mnl_attr_for_each(a, nlh, GENL_HDRLEN)
			if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
				family = mnl_attr_get_u16(a);
	}
	return family ? 0 : -1;
}

/* ---- the cases ---- */

static void malformed(void)
{
	struct dnat d;
	uint32_t u32v = htonl(8080);
	uint16_t u16v;
	uint8_t u8v;
	struct answer a;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int offs;

	d = good;
	d.has &= ~F_DMIN;
	dnat_bad("dport-min as 4 bytes", &d, NFHP_DNAT_A_DPORT_MIN, &u32v, 4,
		 -EINVAL, "dport-min", -1);
	d = good;
	d.has &= ~F_PROTO;
	dnat_bad("proto of length 0", &d, NFHP_DNAT_A_PROTO, "", 0, -EINVAL,
		 "proto", -1);
	d = good;
	d.has &= ~F_DST;
	dnat_bad("dst of 2 bytes", &d, NFHP_DNAT_A_DST, "\x01\x02", 2, -EINVAL,
		 "dst", -1);
	u16v = 0;
	d = good;
	d.has &= ~F_DMIN;
	dnat_bad("dport-min 0", &d, NFHP_DNAT_A_DPORT_MIN, &u16v, 2, -ERANGE,
		 "dport-min", -1);
	u8v = 33;
	d = good;
	dnat_bad("src-plen 33", &d, NFHP_DNAT_A_SRC_PLEN, &u8v, 1, -ERANGE,
		 "src-plen", -1);
	u8v = IPPROTO_ICMP;
	d = good;
	d.has &= ~F_PROTO;
	dnat_bad("proto icmp", &d, NFHP_DNAT_A_PROTO, &u8v, 1, -ERANGE,
		 "proto", -1);
	u8v = 10;
	dnat_bad("proto 10", &d, NFHP_DNAT_A_PROTO, &u8v, 1, -EINVAL,
		 "proto", -1);
	u32v = 1U << 7;
	d = good;
	dnat_bad("unknown flag bit", &d, NFHP_DNAT_A_FLAGS, &u32v, 4, -EINVAL,
		 "flags", -1);
	u16v = htons(8000);
	d = good;
	dnat_bad("dport-max below dport-min", &d, NFHP_DNAT_A_DPORT_MAX, &u16v,
		 2, -EINVAL, "dport-max", -1);
	d = good;
	dnat_bad("unknown attribute in the dnat nest", &d, 30, &u32v, 4,
		 -EINVAL, "unknown attribute", -1);
	d = good;
	dnat_bad("stats in a request", &d, NFHP_DNAT_A_STATS, "", 0, -EINVAL,
		 "stats", -1);
	d = good;
	dnat_bad("iif of 16 characters", &d, NFHP_DNAT_A_IIF,
		 "abcdefghijklmnop", 17, -EINVAL, "iif", -1);
	d = good;
	dnat_bad("iif without NUL", &d, NFHP_DNAT_A_IIF, "eth0", 4, -EINVAL,
		 "iif", -1);
	u32v = htonl(1);
	d = good;
	dnat_bad("id in an add", &d, NFHP_DNAT_A_ID, &u32v, 4, -EINVAL, "id",
		 -1);

	d = good;
	d.has &= ~F_PROTO;
	dnat_bad("no proto", &d, 0, NULL, 0, -EINVAL, "proto",
		 NFHP_DNAT_A_PROTO);
	d = good;
	d.has &= ~F_TO;
	dnat_bad("no to", &d, 0, NULL, 0, -EINVAL, "to", NFHP_DNAT_A_TO);
	d = good;
	d.has &= ~F_DMIN;
	dnat_bad("no dport", &d, 0, NULL, 0, -EINVAL, "dport-min",
		 NFHP_DNAT_A_DPORT_MIN);
	d = good;
	d.has &= ~F_DST;
	dnat_bad("no dst and not local", &d, 0, NULL, 0, -EINVAL, "dst",
		 NFHP_DNAT_A_DST);

	/* Semantic checks, pointing at the attribute (put last). */
	d = good;
	d.has &= ~F_DST;
	d.has |= F_FLAGS;
	d.flags = NFHP_DNAT_F_LOCAL;
	u32v = inet_addr("192.0.2.1");
	dnat_bad("dst with the local flag", &d, NFHP_DNAT_A_DST, &u32v, 4,
		 -EINVAL, "dst", -1);
	u32v = NFHP_DNAT_F_NOREFLECT | NFHP_DNAT_F_REFLECT_EXTERNAL;
	d = good;
	dnat_bad("noreflect with reflect-external", &d, NFHP_DNAT_A_FLAGS,
		 &u32v, 4, -EINVAL, "flags", -1);
	d = good;
	d.has |= F_PLEN;
	d.plen = 8;
	u32v = inet_addr("10.1.2.3");
	dnat_bad("src with host bits", &d, NFHP_DNAT_A_SRC, &u32v, 4, -EINVAL,
		 "src", -1);
	d = good;
	d.has |= F_DMAX | F_TMIN;
	d.dmax = 8089;
	d.tmin = 80;
	u16v = htons(84);
	dnat_bad("to-port range of another size", &d, NFHP_DNAT_A_TO_PORT_MAX,
		 &u16v, 2, -EINVAL, "to-port-max", -1);
	d = good;
	dnat_bad("to-port-max without to-port-min", &d,
		 NFHP_DNAT_A_TO_PORT_MAX, &u16v, 2, -EINVAL, "to-port-max", -1);
	d = good;
	d.has &= ~F_TO;
	u32v = 0;
	dnat_bad("to 0.0.0.0", &d, NFHP_DNAT_A_TO, &u32v, 4, -EINVAL, "to", -1);

	/* SNAT */
	nlh = req(NFHP_CMD_SNAT_ADD, 0);
	nest = mnl_attr_nest_start(nlh, NFHP_A_SNAT);
	mnl_attr_put_u32(nlh, NFHP_SNAT_A_FLAGS, NFHP_SNAT_F_MASQUERADE);
	offs = here(nlh);
	put_addr(nlh, NFHP_SNAT_A_TO, "198.51.100.1");
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("snat to with masquerade", &a, -EINVAL, "to", offs, -1);

	nlh = req(NFHP_CMD_SNAT_ADD, 0);
	nest = mnl_attr_nest_start(nlh, NFHP_A_SNAT);
	put_addr(nlh, NFHP_SNAT_A_TO, "198.51.100.1");
	offs = here(nlh);
	mnl_attr_put_u16(nlh, NFHP_SNAT_A_DPORT_MIN, htons(80));
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("snat dport without proto", &a, -EINVAL, "dport-min", offs, -1);

	nlh = req(NFHP_CMD_SNAT_ADD, 0);
	nest = mnl_attr_nest_start(nlh, NFHP_A_SNAT);
	mnl_attr_put_u8(nlh, NFHP_SNAT_A_PROTO, IPPROTO_UDP);
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("snat without to or masquerade", &a, -EINVAL, "to", -1,
	       NFHP_SNAT_A_TO);

	nlh = req(NFHP_CMD_SNAT_ADD, 0);
	nest = mnl_attr_nest_start(nlh, NFHP_A_SNAT);
	mnl_attr_put_u32(nlh, NFHP_SNAT_A_FLAGS, NFHP_SNAT_F_MASQUERADE);
	offs = here(nlh);
	mnl_attr_put_u32(nlh, NFHP_SNAT_A_FLAGS, 2);
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("snat unknown flag bit", &a, -EINVAL, "flags", offs, -1);

	/* Top level */
	nlh = req(NFHP_CMD_DNAT_ADD, 0);
	nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &good);
	mnl_attr_nest_end(nlh, nest);
	offs = here(nlh);
	mnl_attr_put_u32(nlh, NFHP_A_CONFIG + 20, 1);
	send_ack(nlh, &a);
	expect("unknown top-level attribute", &a, -EINVAL, NULL, offs, -1);

	nlh = req(NFHP_CMD_DNAT_ADD, 0);
	offs = here(nlh);
	nest = put_dnat(nlh, NFHP_A_DNAT, &good);
	mnl_attr_nest_end(nlh, nest);
	nest->nla_type &= ~NLA_F_NESTED;
	send_ack(nlh, &a);
	expect("dnat nest without NLA_F_NESTED", &a, -EINVAL, NULL, offs, -1);

	nlh = req(NFHP_CMD_DNAT_ADD, 0);
	send_ack(nlh, &a);
	expect("no dnat nest", &a, -EINVAL, "dnat", -1, NFHP_A_DNAT);

	nlh = req(NFHP_CMD_STATS_GET, 0);
	offs = here(nlh);
	mnl_attr_put_u32(nlh, NFHP_A_PAD, 0);
	send_ack(nlh, &a);
	expect("attribute to a command that takes none", &a, -EINVAL, NULL,
	       offs, -1);

	nlh = req(NFHP_CMD_CONFIG_SET, 0);
	nest = mnl_attr_nest_start(nlh, NFHP_A_CONFIG);
	offs = here(nlh);
	mnl_attr_put_u32(nlh, NFHP_CFG_A_TCP_ESTABLISHED, 0);
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("timeout 0", &a, -ERANGE, "tcp-established", offs, -1);

	nlh = req(NFHP_CMD_CONFIG_SET, 0);
	nest = mnl_attr_nest_start(nlh, NFHP_A_CONFIG);
	offs = here(nlh);
	mnl_attr_put_u32(nlh, NFHP_CFG_A_UDP, 0x7fffffff);
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("timeout 2^31-1 s (> INT_MAX/HZ)", &a, -ERANGE, "udp", offs,
	       -1);

	nlh = req(NFHP_CMD_DNAT_ADD, NLM_F_CREATE);
	nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &good);
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("reserved nlmsg flag", &a, -EINVAL, NULL, -1, -1);
}

static void semantics(void)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest, *rules;
	struct answer a;
	struct dnat d;
	int offs, n;

	dnat_add(&good, &a);
	expect("add a good rule", &a, 0, NULL, -1, -1);
	dnat_add(&good, &a);
	expect("add it again", &a, -EEXIST, "exists", -1, -1);
	d = good;
	d.has |= F_DMAX;
	d.dmin = 8000;
	d.dmax = 8100;
	dnat_add(&d, &a);
	expect("add an overlapping range", &a, -EEXIST, "exists", -1, -1);
	d = good;
	d.has |= F_SRC | F_PLEN;
	d.src = "10.0.0.0";
	d.plen = 8;
	dnat_add(&d, &a);
	expect("add the same ports for a source prefix", &a, 0, NULL, -1, -1);

	nlh = req(NFHP_CMD_DNAT_DEL, 0);
	nest = mnl_attr_nest_start(nlh, NFHP_A_DNAT);
	mnl_attr_put_u32(nlh, NFHP_DNAT_A_ID, 999999);
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("delete a missing id", &a, -ENOENT, "id", -1, -1);

	d = good;
	d.dmin = 9999;
	nlh = req(NFHP_CMD_DNAT_DEL, 0);
	nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &d);
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("delete a missing match", &a, -ENOENT, "match", -1, -1);

	nlh = req(NFHP_CMD_DNAT_DEL, 0);
	nest = mnl_attr_nest_start(nlh, NFHP_A_DNAT);
	offs = here(nlh);
	mnl_attr_put_u32(nlh, NFHP_DNAT_A_ID, 1);
	mnl_attr_put_u8(nlh, NFHP_DNAT_A_PROTO, IPPROTO_TCP);
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("delete by id and match", &a, -EINVAL, "id", offs, -1);

	n = count(NFHP_CMD_DNAT_GET);
	result(n == 2, "rule set unchanged by the rejections (2 rules)",
	       "wrong count");

	/* REPLACE with a bad rule among good ones. */
	nlh = req(NFHP_CMD_REPLACE, 0);
	rules = mnl_attr_nest_start(nlh, NFHP_A_RULES);
	for (n = 0; n < 5; n++) {
		d = good;
		d.dmin = 1000 + n;
		nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &d);
		mnl_attr_nest_end(nlh, nest);
	}
	d = good;
	d.has |= F_DMAX;
	d.dmin = 2000;
	d.dmax = 1999;
	nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &d);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, rules);
	send_ack(nlh, &a);
	expect("replace with one bad rule", &a, -EINVAL, "dport-max", -1, -1);
	n = count(NFHP_CMD_DNAT_GET);
	result(n == 2, "old set intact after the failed replace", "changed");

	nlh = req(NFHP_CMD_REPLACE, 0);
	rules = mnl_attr_nest_start(nlh, NFHP_A_RULES);
	for (n = 0; n < 3; n++) {
		d = good;
		d.dmin = 1000 + n;
		nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &d);
		mnl_attr_nest_end(nlh, nest);
	}
	offs = here(nlh);
	d = good;
	d.has |= F_DMAX;
	d.dmin = 990;
	d.dmax = 1000;
	nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &d);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, rules);
	send_ack(nlh, &a);
	expect("replace with two clashing rules", &a, -EEXIST, "exists", offs,
	       -1);
	result(count(NFHP_CMD_DNAT_GET) == 2, "old set intact again",
	       "changed");

	nlh = req(NFHP_CMD_REPLACE, 0);
	rules = mnl_attr_nest_start(nlh, NFHP_A_RULES);
	offs = here(nlh);
	mnl_attr_put_u32(nlh, NFHP_A_CONFIG, 1);
	mnl_attr_nest_end(nlh, rules);
	send_ack(nlh, &a);
	expect("replace with a foreign attribute", &a, -EINVAL, "rules", offs,
	       -1);

	/* A good replace: 3 DNAT, 2 SNAT, ids from 1. */
	nlh = req(NFHP_CMD_REPLACE, 0);
	rules = mnl_attr_nest_start(nlh, NFHP_A_RULES);
	for (n = 0; n < 3; n++) {
		d = good;
		d.dmin = 1000 + n;
		nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &d);
		mnl_attr_nest_end(nlh, nest);
	}
	nest = mnl_attr_nest_start(nlh, NFHP_A_SNAT);
	mnl_attr_put_u32(nlh, NFHP_SNAT_A_FLAGS, NFHP_SNAT_F_MASQUERADE);
	mnl_attr_put_strz(nlh, NFHP_SNAT_A_OIF, "wan0");
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, NFHP_A_SNAT);
	put_addr(nlh, NFHP_SNAT_A_TO, "198.51.100.1");
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, rules);
	send_ack(nlh, &a);
	expect("replace with 3 dnat and 2 snat rules", &a, 0, NULL, -1, -1);
	result(count(NFHP_CMD_DNAT_GET) == 3 && count(NFHP_CMD_SNAT_GET) == 2,
	       "replace took effect (3 + 2)", "wrong counts");

	nlh = req(NFHP_CMD_DNAT_DEL, 0);
	nest = mnl_attr_nest_start(nlh, NFHP_A_DNAT);
	mnl_attr_put_u32(nlh, NFHP_DNAT_A_ID, 2);
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("delete dnat id 2", &a, 0, NULL, -1, -1);
	d = good;
	d.dmin = 1002;
	nlh = req(NFHP_CMD_DNAT_DEL, 0);
	nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &d);
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("delete by match", &a, 0, NULL, -1, -1);
	result(count(NFHP_CMD_DNAT_GET) == 1, "one dnat rule left",
	       "wrong count");
	result(simple(NFHP_CMD_FLUSH) == 0 && count(NFHP_CMD_DNAT_GET) == 0 &&
	       count(NFHP_CMD_SNAT_GET) == 0, "flush", "rules left");
	result(simple(NFHP_CMD_STATS_GET) == 0, "stats get", "failed");
	result(simple(NFHP_CMD_CONFIG_GET) == 0, "config get", "failed");
}

static void bump(void)
{
	struct mnl_socket *saved = nl;
	struct mnl_socket *other = mnl_socket_open(NETLINK_GENERIC);
	struct answer a;
	struct dnat d = good;

	/* A second socket: the first one is in the middle of a dump. */
	mnl_socket_bind(other, 0, MNL_SOCKET_AUTOPID);
	nl = other;
	d.dmin = 65535;
	dnat_add(&d, &a);
	nl = saved;
	mnl_socket_close(other);
}

static void many(int n)
{
	struct nlmsghdr *nlh;
	struct nlattr *rules, *nest;
	struct dump_count c;
	struct answer a;
	struct dnat d = good;
	double t;
	int i, chunk = 500, sent;
	char what[128];

	/* REPLACE with @n rules in one message, in several RULES nests. */
	nlh = req(NFHP_CMD_REPLACE, 0);
	rules = mnl_attr_nest_start(nlh, NFHP_A_RULES);
	for (i = 0; i < n; i++) {
		char dst[32];

		snprintf(dst, sizeof(dst), "10.%d.%d.1", 1 + i / 250, i % 250);
		d.dst = dst;
		d.dmin = 1 + i % 60000;
		/* A nest holds 64 KiB at most: a new one every 1000 rules. */
		if (i && i % 1000 == 0) {
			mnl_attr_nest_end(nlh, rules);
			rules = mnl_attr_nest_start(nlh, NFHP_A_RULES);
		}
		nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &d);
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_nest_end(nlh, rules);
	t = now();
	send_ack(nlh, &a);
	snprintf(what, sizeof(what), "replace with %d rules (%u bytes, %.3f s)",
		 n, nlh->nlmsg_len, now() - t);
	expect(what, &a, 0, NULL, -1, -1);

	t = now();
	c = dump(NFHP_CMD_DNAT_GET, NULL);
	snprintf(what, sizeof(what),
		 "dump of %d rules: %d in %d reads, %.3f s", n, c.msgs,
		 c.reads, now() - t);
	result(!c.err && c.msgs == n && c.reads > 1 && !c.intr, what,
	       "incomplete, failed or flagged");

	/*
	 * Default receive buffer: the kernel fills it only so far ahead, so
	 * the change made after the first read lands mid-dump.
	 */
	{
		struct mnl_socket *big = nl;

		nl = mnl_socket_open(NETLINK_GENERIC);
		mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID);
		c = dump(NFHP_CMD_DNAT_GET, bump);
		mnl_socket_close(nl);
		nl = big;
	}
	snprintf(what, sizeof(what),
		 "dump spanning a change is flagged (%d of %d messages, %d reads)",
		 c.intr, c.msgs, c.reads);
	if (n >= 5000)
		result(!c.err && c.intr > 0 && c.msgs >= n, what,
		       "not flagged");
	else
		printf("# skip: %s (needs -n 5000 or more)\n", what);

	t = now();
	result(simple(NFHP_CMD_FLUSH) == 0 && count(NFHP_CMD_DNAT_GET) == 0,
	       "flush of many", "rules left");
	printf("# flush took %.3f s\n", now() - t);

	/* The same as batched ADDs, @chunk messages per sendmsg. */
	t = now();
	for (sent = 0; sent < n; sent += chunk) {
		char *p = buf;
		unsigned int first = seq + 1, last;

		for (i = sent; i < sent + chunk && i < n; i++) {
			char dst[32];

			snprintf(dst, sizeof(dst), "10.%d.%d.1", 1 + i / 250,
				 i % 250);
			d.dst = dst;
			d.dmin = 1 + i % 60000;
			nlh = msg_start(p, family, NFHP_CMD_DNAT_ADD, NLM_F_ACK);
			nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &d);
			mnl_attr_nest_end(nlh, nest);
			p += NLMSG_ALIGN(nlh->nlmsg_len);
		}
		last = seq;
		if (mnl_socket_sendto(nl, buf, p - buf) < 0) {
			result(false, "batched add", "send failed");
			return;
		}
		if (wait_acks(last - first + 1, &a)) {
			snprintf(what, sizeof(what), "batched add failed (%d)",
				 a.err);
			result(false, what, a.msg);
			return;
		}
	}
	snprintf(what, sizeof(what), "%d batched adds in %.3f s", n,
		 now() - t);
	result(count(NFHP_CMD_DNAT_GET) == n, what, "wrong count");
	result(simple(NFHP_CMD_FLUSH) == 0 && count(NFHP_CMD_DNAT_GET) == 0,
	       "flush after batched adds", "rules left");
}

/* -p: every command, reading ones too, must fail with EPERM. */
static int unprivileged(void)
{
	static const uint8_t cmds[] = {
		NFHP_CMD_FLUSH, NFHP_CMD_STATS_GET, NFHP_CMD_CONFIG_GET,
		NFHP_CMD_CONN_FLUSH,
	};
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct answer a;
	unsigned int i;
	char what[64];
	int err;

	for (i = 0; i < sizeof(cmds); i++) {
		err = simple(cmds[i]);
		snprintf(what, sizeof(what), "command %u refused (%d)", cmds[i],
			 err);
		result(err == -EPERM, what, "not EPERM");
	}
	nlh = req(NFHP_CMD_DNAT_ADD, 0);
	nest = put_dnat(nlh, NFHP_A_DNAT | NLA_F_NESTED, &good);
	mnl_attr_nest_end(nlh, nest);
	send_ack(nlh, &a);
	expect("dnat add refused", &a, -EPERM, NULL, -1, -1);
	err = count(NFHP_CMD_DNAT_GET);
	snprintf(what, sizeof(what), "dnat dump refused (%d)", err);
	result(err == -EPERM, what, "not EPERM");
	err = count(NFHP_CMD_CONN_GET);
	snprintf(what, sizeof(what), "conn dump refused (%d)", err);
	result(err == -EPERM, what, "not EPERM");
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	int n = 10000, one = 1, size = BUFSZ, mode = 0;

	if (argc == 3 && !strcmp(argv[1], "-n"))
		n = atoi(argv[2]);
	if (argc == 2 && argv[1][0] == '-')
		mode = argv[1][1];
	buf = calloc(1, BUFSZ);
	rbuf = calloc(1, BUFSZ);
	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!buf || !rbuf || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID)) {
		perror("netlink");
		return 1;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &size,
		   sizeof(size));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size,
		   sizeof(size));
	if (resolve_family()) {
		printf("# SKIP: no %s generic netlink family\n", NFHP_GENL_NAME);
		return 4;
	}
	if (mode == 'c') {
		printf("dnat %d snat %d\n", count(NFHP_CMD_DNAT_GET),
		       count(NFHP_CMD_SNAT_GET));
		return 0;
	}
	if (mode == 'p')
		return unprivileged();
	if (simple(NFHP_CMD_FLUSH)) {
		printf("# not ok - flush at start failed\n");
		return 1;
	}
	malformed();
	result(count(NFHP_CMD_DNAT_GET) == 0 && count(NFHP_CMD_SNAT_GET) == 0,
	       "nothing added by the malformed requests", "rules appeared");
	semantics();
	if (n > 0)
		many(n);
	printf("# %d tests, %d failed\n", tests, failures);
	mnl_socket_close(nl);
	return failures ? 1 : 0;
}
