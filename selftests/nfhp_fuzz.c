// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed and adversarial IPv4 packets for the nf_hairpin selftests.
 *
 *   nfhp_fuzz link IFNAME DSTMAC [OPTIONS]
 *	Ethernet frames on IFNAME (AF_PACKET): nothing of the sending host's
 *	stack looks at them, so IP headers can be as broken as we like.
 *	DSTMAC is the router's address on that link.
 *   nfhp_fuzz raw [OPTIONS]
 *	IP_HDRINCL packets from a raw socket: run in the router's namespace,
 *	they pass its LOCAL_OUT and POSTROUTING hooks.  The kernel fills in
 *	the IP length and checksum, so broken IP headers are left out.
 *
 *   -n N	packets, at least (default 10000)
 *   -s SEED	pseudo-random seed (default 1): a run is reproducible
 *   -x ADDR	where packets that nf_hairpin must count as malformed go: an
 *		address the router routes nowhere (a blackhole route for
 *		link, a dummy device for raw), so that each passes exactly
 *		one hook (link) or two (raw: LOCAL_OUT and POSTROUTING)
 *   -t P:ADDR:PORT
 *		a target (P tcp or udp): a forwarded address and port, or any
 *		address behind the router; adversarial packets that
 *		nf_hairpin can parse go there from spoofed sources.  Repeat.
 *   -o CLASS,...
 *		only these classes (the names printed below), e.g. -o live
 *		for nothing but a live connection's tuple
 *   -c P:SRC:SPORT:DST:DPORT
 *		a live connection's tuple as this sender would send it:
 *		packets with its tuple and wrong sequence numbers, forged
 *		ICMP errors quoting it.  Repeat.
 *
 * Every malformed packet goes to -x; every packet to a target or a live
 * tuple is one nf_hairpin's parser accepts (a full transport header, an
 * ICMP error quoting a whole IP header and 8 bytes beyond it), or one the
 * IP layer drops before any hook (a broken IP header), so the malformed
 * counter must grow by exactly the "malformed" figure printed (times the
 * hooks passed).
 *
 * Prints one line: "sent N malformed M ipbad B options O tcp T udp U
 * icmp I frag F other P live L", exit 0 if every packet was sent, 1 if not,
 * 2 on bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_TARGETS	16
#define PKT_MAX		1600
#define FRAG_BODY	64	/* transport bytes of a fragmented datagram */

struct tuple {
	uint8_t		proto;
	uint32_t	src, dst;	/* network order */
	uint16_t	sport, dport;	/* network order */
};

enum class {
	C_MALFORMED, C_IPBAD, C_OPTIONS, C_TCP, C_UDP, C_ICMP, C_FRAG, C_OTHER,
	C_LIVE, __C_MAX
};

static const char * const class_name[__C_MAX] = {
	"malformed", "ipbad", "options", "tcp", "udp", "icmp", "frag", "other",
	"live",
};

static struct {
	int		link;		/* AF_PACKET, else raw IP */
	int		fd;
	int		ifindex;
	uint8_t		dmac[6];
	uint32_t	nowhere;
	struct tuple	targets[MAX_TARGETS];
	int		n_targets;
	struct tuple	live[MAX_TARGETS];
	int		n_live;
	long		sent, failed;
	long		count[__C_MAX];
	uint64_t	rng;
	unsigned int	tcp_flags;	/* cycles through all 256 combinations */
	unsigned int	only;		/* bit per enum class; 0: all */
} g;

static const char *usage =
	"usage: nfhp_fuzz link IFNAME DSTMAC [-n N] [-s SEED] -x ADDR [-t P:ADDR:PORT]... [-c P:SRC:SPORT:DST:DPORT]...\n"
	"       nfhp_fuzz raw [-n N] [-s SEED] -x ADDR [-t P:ADDR:PORT]... [-c P:SRC:SPORT:DST:DPORT]...\n";

static void bad_usage(const char *what, const char *token)
{
	fprintf(stderr, "nfhp_fuzz: bad %s `%s'\n%s", what, token, usage);
	exit(2);
}

/* xorshift64*: small, fast and good enough to pick packet shapes. */
static uint32_t rnd(void)
{
	g.rng ^= g.rng >> 12;
	g.rng ^= g.rng << 25;
	g.rng ^= g.rng >> 27;
	return (uint32_t)((g.rng * 0x2545f4914f6cdd1dULL) >> 32);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static void fill(uint8_t *p, size_t len)
{
	while (len--)
		*p++ = (uint8_t)rnd();
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static void put16(uint8_t *p, uint16_t host)
{
	p[0] = (uint8_t)(host >> 8);
	p[1] = (uint8_t)host;
}

static void put32n(uint8_t *p, uint32_t net)
{
	memcpy(p, &net, 4);
}

/*
 * An IP header at @p: @ihl words (options random), @len total length,
 * checksum right.  Returns the header length.
 */
static size_t ip_build(uint8_t *p, unsigned int ihl, uint8_t proto,
		       uint32_t src, uint32_t dst, size_t len, uint16_t frag)
{
	size_t hl = ihl * 4;

	memset(p, 0, 20);
	p[0] = (uint8_t)(0x40 | ihl);
	p[1] = (uint8_t)below(4) << 2;
	put16(p + 2, (uint16_t)len);
	put16(p + 4, (uint16_t)rnd());
	put16(p + 6, frag);
	p[8] = (uint8_t)(1 + below(255));
	p[9] = proto;
	put32n(p + 12, src);
	put32n(p + 16, dst);
	if (hl > 20)
		fill(p + 20, hl - 20);
	put16(p + 10, csum_fold(csum_add(0, p, hl)));
	return hl;
}

/* Give the header at @p another identification (fragments share one). */
static void ip_set_id(uint8_t *p, uint16_t id)
{
	put16(p + 4, id);
	put16(p + 10, 0);
	put16(p + 10, csum_fold(csum_add(0, p, (size_t)(p[0] & 15) * 4)));
}

/* The transport checksum over the pseudo-header, right, zero or wrong. */
static void l4_csum(uint8_t *l4, size_t len, size_t csum_off, uint8_t proto,
		    uint32_t src, uint32_t dst, int how)
{
	uint8_t ph[12];
	uint32_t sum;

	if (len < csum_off + 2)
		return;
	put16(l4 + csum_off, 0);
	if (how == 1)
		return;			/* zero: "none" for UDP */
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)len);
	sum = csum_add(csum_add(0, ph, sizeof(ph)), l4, len);
	put16(l4 + csum_off, (uint16_t)(csum_fold(sum) + (how == 2 ? 1 : 0)));
}

static uint32_t spoofed(void)
{
	return htonl(rnd());
}

static int send_pkt(const uint8_t *ip, size_t len, enum class c)
{
	static uint8_t frame[PKT_MAX + 14];
	ssize_t r;

	if (g.link) {
		struct sockaddr_ll sll = {
			.sll_family = AF_PACKET,
			.sll_ifindex = g.ifindex,
			.sll_halen = 6,
		};

		memcpy(frame, g.dmac, 6);
		memset(frame + 6, 0x02, 6);	/* locally administered */
		frame[12] = 0x08;
		frame[13] = 0x00;
		memcpy(frame + 14, ip, len);
		memcpy(sll.sll_addr, g.dmac, 6);
		r = sendto(g.fd, frame, len + 14, 0, (struct sockaddr *)&sll,
			   sizeof(sll));
	} else {
		struct sockaddr_in sin = { .sin_family = AF_INET };

		memcpy(&sin.sin_addr, ip + 16, 4);
		r = sendto(g.fd, ip, len, 0, (struct sockaddr *)&sin,
			   sizeof(sin));
	}
	g.sent++;
	if (r < 0) {
		/* A raw socket reports what the route says: not our business. */
		if (errno != ENOBUFS && errno != EHOSTUNREACH &&
		    errno != ENETUNREACH && errno != EINVAL &&
		    errno != EPERM && errno != EACCES && errno != EMSGSIZE) {
			perror("nfhp_fuzz: send");
			g.failed++;
		}
		return -1;
	}
	g.count[c]++;
	return 0;
}

/* A transport header of @proto, full size or more, at @l4. */
static size_t l4_build(uint8_t *l4, uint8_t proto, uint16_t sport,
		       uint16_t dport, size_t extra)
{
	size_t len;

	if (proto == IPPROTO_TCP) {
		len = 20 + extra;
		fill(l4, len);
		memcpy(l4, &sport, 2);
		memcpy(l4 + 2, &dport, 2);
		l4[12] = (uint8_t)(below(16) << 4);	/* any data offset */
		l4[13] = (uint8_t)(g.tcp_flags++ & 0xff);
	} else {
		len = 8 + extra;
		fill(l4, len);
		memcpy(l4, &sport, 2);
		memcpy(l4 + 2, &dport, 2);
		switch (below(4)) {
		case 0:
			put16(l4 + 4, (uint16_t)len);
			break;
		case 1:
			put16(l4 + 4, (uint16_t)below(8));	/* too short */
			break;
		case 2:
			put16(l4 + 4, (uint16_t)(len + 1 + below(100)));
			break;
		default:
			break;				/* random */
		}
	}
	return len;
}

static const struct tuple *any_target(void)
{
	return &g.targets[below((uint32_t)g.n_targets)];
}

/* ---- what nf_hairpin must count as malformed, to -x ---- */

static void gen_malformed(void)
{
	static uint8_t p[PKT_MAX];
	uint32_t src = spoofed();
	size_t hl, l4len;
	uint8_t proto, *l4;
	unsigned int ihl = below(4) ? 5 : 6 + below(10);

	switch (below(6)) {
	case 0:	/* TCP header cut short */
		proto = IPPROTO_TCP;
		l4len = below(20);
		break;
	case 1:	/* UDP header cut short */
		proto = IPPROTO_UDP;
		l4len = below(8);
		break;
	case 2:	/* ICMP header cut short */
		proto = IPPROTO_ICMP;
		l4len = below(8);
		break;
	default: /* ICMP errors whose quote is broken */
		proto = IPPROTO_ICMP;
		l4len = 0;
		break;
	}
	hl = ihl * 4;
	l4 = p + hl;
	fill(l4, l4len);
	if (proto == IPPROTO_ICMP && l4len == 0) {
		static const uint8_t errs[] = { 3, 4, 11, 12 };
		uint8_t *in = l4 + 8;
		size_t inlen;

		fill(l4, 8);
		l4[0] = errs[below(4)];
		switch (below(3)) {
		case 0:	/* quoted IP header cut short */
			inlen = below(20);
			fill(in, inlen);
			break;
		case 1:	/* not an IPv4 header, or too short a one */
			inlen = 20 + below(40);
			fill(in, inlen);
			in[0] = below(2) ? (uint8_t)(0x40 | below(5)) :
					   (uint8_t)((1 + below(15)) << 4 |
						     (5 + below(11)));
			if ((in[0] >> 4) == 4 && (in[0] & 15) >= 5)
				in[0] = 0x44;
			break;
		default: { /* a TCP or UDP quote without its 8 bytes of ports */
			unsigned int iihl = 5 + below(11);

			inlen = iihl * 4 + below(8);
			if (inlen < 20)
				inlen = 20;
			fill(in, inlen);
			in[0] = (uint8_t)(0x40 | iihl);
			in[6] &= 0xe0;		/* offset 0 */
			in[7] = 0;
			in[9] = below(2) ? IPPROTO_TCP : IPPROTO_UDP;
			break;
		}
		}
		l4len = 8 + inlen;
	}
	ip_build(p, ihl, proto, src, g.nowhere, hl + l4len, 0);
	/*
	 * Options, but valid ones (NOPs): a router answers bad options with
	 * an ICMP parameter problem quoting the packet, a malformed one the
	 * hooks would count again.
	 */
	if (hl > 20) {
		memset(p + 20, 1, hl - 20);
		ip_set_id(p, (uint16_t)rnd());
	}
	send_pkt(p, hl + l4len, C_MALFORMED);
}

/* ---- IP headers the IP layer drops before any hook (link only) ---- */

static void gen_ipbad(void)
{
	static uint8_t p[PKT_MAX];
	const struct tuple *t = any_target();
	size_t hl = 20, len;

	len = hl + l4_build(p + hl, t->proto, htons((uint16_t)rnd()), t->dport,
			    below(32));
	ip_build(p, 5, t->proto, spoofed(), t->dst, len, 0);
	switch (below(5)) {
	case 0:	/* not version 4 */
		p[0] = (uint8_t)((1 + below(15)) << 4 | 5);
		if ((p[0] >> 4) == 4)
			p[0] = 0x65;
		break;
	case 1:	/* IHL below 5 */
		p[0] = (uint8_t)(0x40 | below(5));
		break;
	case 2:	/* total length beyond the frame */
		put16(p + 2, (uint16_t)(len + 1 + below(1000)));
		break;
	case 3:	/* total length below the header */
		put16(p + 2, (uint16_t)below(20));
		break;
	default: /* checksum wrong */
		p[10] ^= (uint8_t)(1 + below(255));
		send_pkt(p, len, C_IPBAD);
		return;
	}
	/* The checksum stays right for the changed header: only what we
	 * broke on purpose is wrong.
	 */
	p[10] = p[11] = 0;
	put16(p + 10, csum_fold(csum_add(0, p, 20)));
	send_pkt(p, len, C_IPBAD);
}

/* ---- parseable, adversarial ---- */

static void gen_l4(enum class c)
{
	static uint8_t p[PKT_MAX];
	const struct tuple *t = any_target();
	unsigned int ihl = c == C_OPTIONS ? 6 + below(10) : 5;
	uint8_t proto = c == C_UDP ? IPPROTO_UDP :
			c == C_TCP ? IPPROTO_TCP : t->proto;
	uint32_t src = spoofed();
	size_t hl = ihl * 4, l4len;

	l4len = l4_build(p + hl, proto, htons((uint16_t)rnd()), t->dport,
			 below(64));
	l4_csum(p + hl, l4len, proto == IPPROTO_TCP ? 16 : 6, proto, src,
		t->dst, (int)below(3));
	ip_build(p, ihl, proto, src, t->dst, hl + l4len, below(2) ? 0x4000 : 0);
	send_pkt(p, hl + l4len, c);
}

/*
 * An ICMP error, or another ICMP message, that nf_hairpin can parse: the
 * quote is a whole IP header and at least 8 bytes more.  About a live
 * connection (forged, as an off-path attacker would) or about anything.
 */
static void gen_icmp(void)
{
	static const uint8_t errs[] = { 3, 4, 11, 12 };
	static uint8_t p[PKT_MAX];
	uint8_t *l4 = p + 20, *in = l4 + 8;
	unsigned int iihl = below(3) ? 5 : 6 + below(10);
	size_t inlen = iihl * 4 + 8 + below(32);
	uint32_t dst, isrc, idst;
	uint16_t isport, idport;
	uint8_t iproto;

	if (g.n_live && below(2)) {
		/* about a packet the live connection's peer sent us */
		const struct tuple *t = &g.live[below((uint32_t)g.n_live)];

		iproto = t->proto;
		isrc = t->dst;
		idst = t->src;
		isport = t->dport;
		idport = t->sport;
		dst = t->dst;
	} else {
		const struct tuple *t = any_target();
		static const uint8_t protos[] = {
			IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, 47, 132,
		};

		iproto = protos[below(5)];
		isrc = t->dst;
		idst = spoofed();
		isport = t->dport;
		idport = htons((uint16_t)rnd());
		dst = t->dst;
	}
	fill(l4, 8 + inlen);
	l4[0] = below(8) ? errs[below(4)] : (uint8_t)rnd();	/* queries too */
	l4[1] = (uint8_t)below(16);
	ip_build(in, iihl, iproto, isrc, idst, inlen + below(1000),
		 below(8) ? 0x4000 : (uint16_t)(0x2000 | below(0x2000)));
	memcpy(in + iihl * 4, &isport, 2);
	memcpy(in + iihl * 4 + 2, &idport, 2);
	l4[2] = l4[3] = 0;
	if (below(4))
		put16(l4 + 2, csum_fold(csum_add(0, l4, 8 + inlen)));
	ip_build(p, 5, IPPROTO_ICMP, spoofed(), dst, 20 + 8 + inlen, 0);
	send_pkt(p, 20 + 8 + inlen, C_ICMP);
}

/*
 * A whole TCP or UDP datagram to a target, in fragments of 8 or more bytes:
 * in order, reversed, with a duplicate, overlapping with other data, or
 * with its last fragment missing.  Whatever defrag makes of it is a whole
 * transport header or nothing.
 */
static void gen_frag(void)
{
	static uint8_t dgram[FRAG_BODY + 64], p[PKT_MAX];
	const struct tuple *t = any_target();
	uint32_t src = spoofed();
	uint16_t id = (uint16_t)rnd();
	size_t l4len, off[16], len[16];
	unsigned int n = 0, i, order = below(5);
	size_t o = 0;

	l4len = l4_build(dgram, t->proto, htons((uint16_t)rnd()), t->dport,
			 FRAG_BODY - (t->proto == IPPROTO_TCP ? 20 : 8));
	l4_csum(dgram, l4len, t->proto == IPPROTO_TCP ? 16 : 6, t->proto, src,
		t->dst, 0);
	while (o < l4len && n < 16) {
		size_t l = 8 * (1 + below(3));

		if (o + l > l4len || n == 15)
			l = l4len - o;
		off[n] = o;
		len[n] = l;
		o += l;
		n++;
	}
	for (i = 0; i < n; i++) {
		unsigned int k = order == 1 ? n - 1 - i : i;
		uint16_t fo = (uint16_t)(off[k] / 8);
		int last = k == n - 1;

		if (order == 4 && last)
			continue;			/* never completes */
		memcpy(p + 20, dgram + off[k], len[k]);
		if (order == 3 && k == 1)		/* overlap, other data */
			fill(p + 20, len[k]);
		ip_build(p, 5, t->proto, src, t->dst, 20 + len[k],
			 (uint16_t)((last ? 0 : 0x2000) | fo));
		ip_set_id(p, id);
		send_pkt(p, 20 + len[k], C_FRAG);
		if (order == 2 && k == 0)		/* duplicate */
			send_pkt(p, 20 + len[k], C_FRAG);
		if (order == 3 && k == 1) {		/* the real one too */
			memcpy(p + 20, dgram + off[k] - 8, len[k]);
			ip_build(p, 5, t->proto, src, t->dst, 20 + len[k],
				 (uint16_t)((last ? 0 : 0x2000) | (fo - 1)));
			ip_set_id(p, id);
			send_pkt(p, 20 + len[k], C_FRAG);
		}
	}
}

/* Protocols nf_hairpin does not translate. */
static void gen_other(void)
{
	static const uint8_t protos[] = { 0, 2, 4, 41, 47, 50, 51, 132, 253, 255 };
	static uint8_t p[PKT_MAX];
	const struct tuple *t = any_target();
	size_t l = below(64);

	fill(p + 20, l);
	ip_build(p, 5, protos[below(10)], spoofed(), t->dst, 20 + l, 0);
	send_pkt(p, 20 + l, C_OTHER);
}

/*
 * A live connection's tuple with a wrong sequence number and any flags
 * (blind RST, FIN, SYN, data), or a UDP datagram with its tuple.
 */
static void gen_live(void)
{
	static uint8_t p[PKT_MAX];
	const struct tuple *t = &g.live[below((uint32_t)g.n_live)];
	size_t l4len;

	l4len = l4_build(p + 20, t->proto, t->sport, t->dport, below(32));
	if (t->proto == IPPROTO_TCP)
		p[20 + 12] = 0x50;	/* a plain header: the flags matter */
	l4_csum(p + 20, l4len, t->proto == IPPROTO_TCP ? 16 : 6, t->proto,
		t->src, t->dst, 0);
	ip_build(p, 5, t->proto, t->src, t->dst, 20 + l4len, 0x4000);
	send_pkt(p, 20 + l4len, C_LIVE);
}

static void parse_tuple(const char *arg, struct tuple *t, int full)
{
	char buf[128], *f[5], *s;
	int n = 0;
	struct in_addr a;

	if (strlen(arg) >= sizeof(buf))
		bad_usage("tuple", arg);
	strcpy(buf, arg);
	for (s = strtok(buf, ":"); s && n < 5; s = strtok(NULL, ":"))
		f[n++] = s;
	if (s || n != (full ? 5 : 3))
		bad_usage("tuple", arg);
	if (!strcmp(f[0], "tcp"))
		t->proto = IPPROTO_TCP;
	else if (!strcmp(f[0], "udp"))
		t->proto = IPPROTO_UDP;
	else
		bad_usage("protocol", f[0]);
	if (full) {
		if (inet_pton(AF_INET, f[1], &a) != 1)
			bad_usage("address", f[1]);
		t->src = a.s_addr;
		t->sport = htons((uint16_t)atoi(f[2]));
		f[1] = f[3];
		f[2] = f[4];
	}
	if (inet_pton(AF_INET, f[1], &a) != 1)
		bad_usage("address", f[1]);
	t->dst = a.s_addr;
	if (atoi(f[2]) < 1 || atoi(f[2]) > 65535)
		bad_usage("port", f[2]);
	t->dport = htons((uint16_t)atoi(f[2]));
}

int main(int argc, char **argv)
{
	long n = 10000, i;
	int a = 2, c;
	struct in_addr x = { 0 };

	if (argc < 2)
		bad_usage("command", "");
	if (!strcmp(argv[1], "link")) {
		unsigned int m[6];

		if (argc < 4)
			bad_usage("command", argv[1]);
		g.link = 1;
		g.ifindex = (int)if_nametoindex(argv[2]);
		if (!g.ifindex)
			bad_usage("interface", argv[2]);
		if (sscanf(argv[3], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2],
			   &m[3], &m[4], &m[5]) != 6)
			bad_usage("MAC address", argv[3]);
		for (c = 0; c < 6; c++)
			g.dmac[c] = (uint8_t)m[c];
		a = 4;
	} else if (strcmp(argv[1], "raw")) {
		bad_usage("command", argv[1]);
	}
	g.rng = 1;
	for (; a < argc; a++) {
		const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!v)
			bad_usage("option", o);
		a++;
		if (!strcmp(o, "-n")) {
			n = strtol(v, NULL, 10);
			if (n < 1 || n > 10000000)
				bad_usage("count", v);
		} else if (!strcmp(o, "-s")) {
			g.rng = strtoull(v, NULL, 10) | 1;
		} else if (!strcmp(o, "-x")) {
			if (inet_pton(AF_INET, v, &x) != 1)
				bad_usage("address", v);
		} else if (!strcmp(o, "-o")) {
			char buf[128], *w;

			snprintf(buf, sizeof(buf), "%s", v);
			for (w = strtok(buf, ","); w; w = strtok(NULL, ",")) {
				for (c = 0; c < __C_MAX; c++)
					if (!strcmp(w, class_name[c]))
						break;
				if (c == __C_MAX)
					bad_usage("class", w);
				g.only |= 1U << c;
			}
		} else if (!strcmp(o, "-t") && g.n_targets < MAX_TARGETS) {
			parse_tuple(v, &g.targets[g.n_targets++], 0);
		} else if (!strcmp(o, "-c") && g.n_live < MAX_TARGETS) {
			parse_tuple(v, &g.live[g.n_live++], 1);
		} else {
			bad_usage("option", o);
		}
	}
	if (!x.s_addr || !g.n_targets)
		bad_usage("arguments (-x and -t are required)", "");
	g.nowhere = x.s_addr;

	if (g.link)
		g.fd = socket(AF_PACKET, SOCK_RAW, 0);
	else
		g.fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (g.fd < 0) {
		perror("nfhp_fuzz: socket");
		return 1;
	}
	if (!g.link && g.only == 1U << C_IPBAD)
		bad_usage("class for raw", "ipbad");
	if (g.only & (1U << C_LIVE) && !g.n_live)
		bad_usage("arguments (-o live needs -c)", "");
	for (i = 0; g.sent < n; i++) {
		static const enum class pick[10] = {
			C_MALFORMED, C_MALFORMED, C_IPBAD, C_OPTIONS, C_TCP,
			C_UDP, C_ICMP, C_FRAG, C_OTHER, C_LIVE,
		};
		enum class k = pick[below(10)];

		if (k == C_IPBAD && !g.link)
			k = C_OPTIONS;	/* the kernel writes a raw socket's */
		if (k == C_LIVE && !g.n_live)
			k = C_TCP;
		if (g.only && !(g.only & (1U << k)))
			continue;
		switch (k) {
		case C_MALFORMED:
			gen_malformed();
			break;
		case C_IPBAD:
			gen_ipbad();
			break;
		case C_ICMP:
			gen_icmp();
			break;
		case C_FRAG:
			gen_frag();
			break;
		case C_OTHER:
			gen_other();
			break;
		case C_LIVE:
			gen_live();
			break;
		default:
			gen_l4(k);
			break;
		}
		if ((i & 63) == 63)
			usleep(1000);	/* let softirq keep up: no queue drops */
	}
	printf("sent %ld", g.sent);
	for (c = 0; c < __C_MAX; c++)
		printf(" %s %ld", class_name[c], g.count[c]);
	printf("\n");
	return g.failed ? 1 : 0;
}
