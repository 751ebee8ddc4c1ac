// SPDX-License-Identifier: GPL-2.0
/*
 * Test peer for the nf_hairpin selftests (a C program: under QEMU's TCG a
 * Python interpreter takes a second to start, and the tests start peers by
 * the hundred).
 *
 *   nfhp_peer [-n NETNS] server tcp|udp ADDR PORT
 *	Answer every request with the address:port it came from, as this host
 *	sees it.  TCP: one line, "ECHO" (answer and close) or "SINK N" (read N
 *	bytes, then answer "addr:port N").  UDP: each datagram is answered with
 *	"addr:port LEN".  The server goes to the background once it listens:
 *	when the command returns 0, clients can connect (no polling).
 *
 *   nfhp_peer [-n NETNS] client tcp|udp ADDR PORT [-t SECS] [-b ADDR:PORT]
 *			[-s BYTES]
 *	Connect (UDP: a connected socket, so that an answer from any other
 *	address is dropped, as a real client would) and print the answer;
 *	exit 1 on timeout or refusal.  -s sends BYTES of payload (TCP: through
 *	SINK; UDP: one datagram of that size).
 *
 *   -n NETNS enters the network namespace /run/netns/NETNS (or the file
 *   NETNS if it has a slash) first: cheaper than `ip netns exec', which
 *   also remounts /sys.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *usage =
	"usage: nfhp_peer [-n NETNS] server tcp|udp ADDR PORT\n"
	"       nfhp_peer [-n NETNS] client tcp|udp ADDR PORT [-t SECS] [-b ADDR:PORT] [-s BYTES]\n";

static int parse_addr(const char *addr, const char *port, struct sockaddr_in *sin)
{
	char *end;
	long p = strtol(port, &end, 10);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (*end || p < 0 || p > 65535 || inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "nfhp_peer: bad address `%s:%s'\n", addr, port);
		return -1;
	}
	sin->sin_port = htons((unsigned short)p);
	return 0;
}

static void who(const struct sockaddr_in *sin, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One TCP request, in a child process. */
static void tcp_serve_one(int fd, const struct sockaddr_in *peer)
{
	char line[128], out[96], w[64], buf[65536];
	size_t have = 0;
	long long want = 0, got;
	char *nl;
	ssize_t n;

	alarm(30);
	while (!(nl = memchr(line, '\n', have))) {
		if (have == sizeof(line))
			return;
		n = read(fd, line + have, sizeof(line) - have);
		if (n <= 0)
			return;
		have += (size_t)n;
	}
	*nl = '\0';
	got = (long long)(have - (size_t)(nl + 1 - line));
	who(peer, w, sizeof(w));
	if (sscanf(line, "SINK %lld", &want) == 1) {
		while (got < want) {
			n = read(fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			got += n;
		}
		snprintf(out, sizeof(out), "%s %lld\n", w, got);
	} else {
		snprintf(out, sizeof(out), "%s\n", w);
	}
	write_all(fd, out, strlen(out));
}

static int server(int tcp, const struct sockaddr_in *sin)
{
	int s = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0), one = 1;
	struct sockaddr_in peer;
	socklen_t plen;
	char buf[65536], w[64], out[96];
	int null;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (const struct sockaddr *)sin, sizeof(*sin)) ||
	    (tcp && listen(s, 128))) {
		perror("nfhp_peer: server");
		return 1;
	}
	/*
	 * Listening: the caller goes on while a child serves.  Its stdin and
	 * stdout go to /dev/null, so that a `$(...)' around the caller does
	 * not wait for the server.
	 */
	fflush(stdout);
	switch (fork()) {
	case -1:
		perror("nfhp_peer: fork");
		return 1;
	case 0:
		break;
	default:
		return 0;
	}
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (null > 2)
			close(null);
	}
	signal(SIGCHLD, SIG_IGN);	/* no zombies */
	for (;;) {
		plen = sizeof(peer);
		if (tcp) {
			int c = accept(s, (struct sockaddr *)&peer, &plen);

			if (c < 0)
				continue;
			if (fork() == 0) {
				close(s);
				tcp_serve_one(c, &peer);
				_exit(0);
			}
			close(c);
		} else {
			ssize_t n = recvfrom(s, buf, sizeof(buf), 0,
					     (struct sockaddr *)&peer, &plen);

			if (n < 0)
				continue;
			who(&peer, w, sizeof(w));
			snprintf(out, sizeof(out), "%s %zd\n", w, n);
			sendto(s, out, strlen(out), 0,
			       (const struct sockaddr *)&peer, plen);
		}
	}
}

static int client(int tcp, const struct sockaddr_in *sin, double timeout,
		  const struct sockaddr_in *bindto, long long size,
		  const char *name)
{
	int s = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0), one = 1;
	struct timeval tv = { (time_t)timeout,
			      (suseconds_t)((timeout - (time_t)timeout) * 1e6) };
	static char buf[65536];
	size_t have = 0;
	ssize_t n;

	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (bindto) {
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, (const struct sockaddr *)bindto, sizeof(*bindto)))
			goto err;
	}
	/* SO_SNDTIMEO bounds connect() too. */
	if (connect(s, (const struct sockaddr *)sin, sizeof(*sin)))
		goto err;
	if (tcp) {
		char req[64];

		if (size) {
			snprintf(req, sizeof(req), "SINK %lld\n", size);
			if (write_all(s, req, strlen(req)))
				goto err;
			memset(buf, 'x', sizeof(buf));
			while (size > 0) {
				size_t k = size < (long long)sizeof(buf) ?
					   (size_t)size : sizeof(buf);

				if (write_all(s, buf, k))
					goto err;
				size -= (long long)k;
			}
		} else if (write_all(s, "ECHO\n", 5)) {
			goto err;
		}
		while ((n = read(s, buf + have, sizeof(buf) - 1 - have)) > 0)
			have += (size_t)n;
		if (n < 0)
			goto err;
	} else {
		size_t k = size ? (size_t)size : 4;

		if (k > sizeof(buf))
			k = sizeof(buf);
		memset(buf, 'x', k);
		if (send(s, buf, k, 0) < 0)
			goto err;
		n = recv(s, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			goto err;
		have = (size_t)n;
	}
	buf[have] = '\0';
	while (have && (buf[have - 1] == '\n' || buf[have - 1] == ' '))
		buf[--have] = '\0';
	if (!have) {
		fprintf(stderr, "nfhp_peer: %s: empty answer\n", name);
		return 1;
	}
	printf("%s\n", buf);
	return 0;
err:
	fprintf(stderr, "nfhp_peer: %s: %s\n", name,
		errno == EAGAIN || errno == EINPROGRESS ? "timed out" : strerror(errno));
	return 1;
}

static int enter_netns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), strchr(name, '/') ? "%s" : "/run/netns/%s",
		 name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "nfhp_peer: netns `%s': %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin, bindto;
	double timeout = 3.0;
	long long size = 0;
	int tcp, i, have_bind = 0;
	char name[96];

	if (argc > 2 && !strcmp(argv[1], "-n")) {
		if (enter_netns(argv[2]))
			return 2;
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	if (argc < 5 || (strcmp(argv[1], "server") && strcmp(argv[1], "client")) ||
	    (strcmp(argv[2], "tcp") && strcmp(argv[2], "udp"))) {
		fputs(usage, stderr);
		return 2;
	}
	tcp = !strcmp(argv[2], "tcp");
	if (parse_addr(argv[3], argv[4], &sin))
		return 2;
	if (!strcmp(argv[1], "server"))
		return server(tcp, &sin);
	for (i = 5; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-t")) {
			timeout = atof(argv[i + 1]);
		} else if (!strcmp(argv[i], "-s")) {
			size = atoll(argv[i + 1]);
		} else if (!strcmp(argv[i], "-b")) {
			char *colon = strrchr(argv[i + 1], ':');

			if (!colon) {
				fprintf(stderr, "nfhp_peer: bad -b `%s'\n", argv[i + 1]);
				return 2;
			}
			*colon = '\0';
			if (parse_addr(argv[i + 1], colon + 1, &bindto))
				return 2;
			have_bind = 1;
		} else {
			fprintf(stderr, "nfhp_peer: unknown option `%s'\n", argv[i]);
			return 2;
		}
	}
	if (i != argc) {
		fputs(usage, stderr);
		return 2;
	}
	snprintf(name, sizeof(name), "%s %s:%s", argv[2], argv[3], argv[4]);
	return client(tcp, &sin, timeout, have_bind ? &bindto : NULL, size, name);
}
