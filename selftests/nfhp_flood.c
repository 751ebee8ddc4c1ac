// SPDX-License-Identifier: GPL-2.0
/*
 * UDP connection flooder for the nf_hairpin selftests: one datagram from
 * each of N distinct (source address, source port) pairs, through a raw
 * socket with IP_HDRINCL, so that N connections are made in a fraction of
 * the time N client processes would take under QEMU's TCG.
 *
 *   nfhp_flood SRC DST PORT N [-b BASEPORT] [-r NETNS RXPORT] [-w WINDOW]
 *              [-t SECS]
 *
 *   Datagram i goes from SRC + i / (65536 - BASEPORT) (as a 32-bit
 *   address), port BASEPORT + i % (65536 - BASEPORT), to DST:PORT.
 *   BASEPORT defaults to 1024.  The sending namespace need not own the
 *   source addresses.
 *
 *   -r: count the datagrams as they arrive on a UDP socket bound to port
 *   RXPORT in the namespace NETNS (a path such as /run/netns/NAME), keep at
 *   most WINDOW (default 128) in flight so that no queue overflows, and
 *   time from the first datagram sent to the last one received.  Without
 *   -r the datagrams are sent as fast as possible and the time is that of
 *   sending.  Gives up after SECS (default 60) without progress.
 *
 *   Prints "sent S received R seconds T" and exits 0 if every datagram
 *   was sent (and, with -r, received), 1 otherwise, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64
#define PAYLOAD	8

struct pkt {
	struct iphdr ip;
	struct udphdr udp;
	char data[PAYLOAD];
} __attribute__((packed));

static const char *usage =
	"usage: nfhp_flood SRC DST PORT N [-b BASEPORT] [-r NETNS RXPORT] "
	"[-w WINDOW] [-t SECS]\n";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || !*s || v < min || v > max) {
		fprintf(stderr, "nfhp_flood: bad number `%s'\n", s);
		exit(2);
	}
	return v;
}

/* A UDP socket bound to @port in the namespace at @path. */
static int rx_socket(const char *path, unsigned int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int self, ns, s, big = 16 << 20;

	self = open("/proc/self/ns/net", O_RDONLY);
	ns = open(path, O_RDONLY);
	if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET)) {
		fprintf(stderr, "nfhp_flood: namespace `%s': %s\n", path,
			strerror(errno));
		exit(1);
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	sin.sin_port = htons((uint16_t)port);
	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("nfhp_flood: receiver");
		exit(1);
	}
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (setns(self, CLONE_NEWNET)) {
		perror("nfhp_flood: setns back");
		exit(1);
	}
	close(self);
	close(ns);
	return s;
}

/* Drain the receiver; how many datagrams it had. */
static long drain(int rx)
{
	char buf[64];
	long n = 0;

	while (recv(rx, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

int main(int argc, char **argv)
{
	static struct pkt pkts[BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	long n, sent = 0, rcvd = 0, window = 128, idle = 60, base = 1024, per;
	const char *rxns = NULL;
	unsigned int rxport = 0;
	struct in_addr src, daddr;
	double t0, last;
	int s, rx = -1, i;

	if (argc < 5 || inet_pton(AF_INET, argv[1], &src) != 1 ||
	    inet_pton(AF_INET, argv[2], &daddr) != 1) {
		fputs(usage, stderr);
		return 2;
	}
	dst.sin_addr = daddr;
	dst.sin_port = htons((uint16_t)num(argv[3], 1, 65535));
	n = num(argv[4], 1, 10000000);
	for (i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "-b") && i + 1 < argc) {
			base = num(argv[++i], 1, 65535);
		} else if (!strcmp(argv[i], "-w") && i + 1 < argc) {
			window = num(argv[++i], 1, 1 << 20);
		} else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			idle = num(argv[++i], 1, 3600);
		} else if (!strcmp(argv[i], "-r") && i + 2 < argc) {
			rxns = argv[++i];
			rxport = (unsigned int)num(argv[++i], 1, 65535);
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	per = 65536 - base;

	if (rxns)
		rx = rx_socket(rxns, rxport);
	s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);	/* implies IP_HDRINCL */
	if (s < 0) {
		perror("nfhp_flood: raw socket");
		return 1;
	}

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		struct pkt *p = &pkts[i];

		memset(p, 0, sizeof(*p));
		p->ip.version = 4;
		p->ip.ihl = 5;
		p->ip.ttl = 64;
		p->ip.protocol = IPPROTO_UDP;
		p->ip.tot_len = htons(sizeof(*p));
		p->ip.daddr = daddr.s_addr;
		p->udp.dest = dst.sin_port;
		p->udp.len = htons(sizeof(p->udp) + PAYLOAD);
		p->udp.check = 0;	/* none */
		memcpy(p->data, "nfhpflod", PAYLOAD);
		iov[i].iov_base = p;
		iov[i].iov_len = sizeof(*p);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}

	t0 = last = now();
	while (sent < n || (rx >= 0 && rcvd < n)) {
		long k = n - sent;

		if (rx >= 0) {
			long got = drain(rx);

			if (got) {
				rcvd += got;
				last = now();
			}
			if (k > window - (sent - rcvd))
				k = window - (sent - rcvd);
		}
		if (k > BATCH)
			k = BATCH;
		if (k > 0) {
			int m;

			for (i = 0; i < k; i++) {
				long j = sent + i;

				pkts[i].ip.saddr = htonl(ntohl(src.s_addr) +
							 (uint32_t)(j / per));
				pkts[i].udp.source =
					htons((uint16_t)(base + j % per));
			}
			m = sendmmsg(s, msgs, (unsigned int)k, 0);
			if (m < 0 && errno == EPERM) {
				/* A hook on the way out dropped the first one
				 * (NF_DROP): it was sent, and is not ours to
				 * count.
				 */
				m = 1;
			} else if (m < 0) {
				if (errno != ENOBUFS && errno != EAGAIN &&
				    errno != EINTR) {
					perror("nfhp_flood: sendmmsg");
					break;
				}
				m = 0;
			}
			sent += m;
			if (m)
				last = now();
		} else {
			struct pollfd pfd = { .fd = rx, .events = POLLIN };

			poll(&pfd, 1, 100);
		}
		if (now() - last > (double)idle)
			break;
	}
	if (rx >= 0 && rcvd >= n)
		last = now();
	printf("sent %ld received %ld seconds %.3f\n", sent,
	       rx >= 0 ? rcvd : sent, (rx >= 0 ? last : now()) - t0);
	return sent == n && (rx < 0 || rcvd == n) ? 0 : 1;
}
