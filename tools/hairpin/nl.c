// SPDX-License-Identifier: GPL-2.0
/*
 * All kernel talk.  hp_nl_talk() opens a socket, resolves the family, sends
 * one request, runs the answers (reply, ACK with its extack message, or a
 * multipart dump) through the caller's callback, and closes the socket on
 * every path.  It prints what went wrong itself: callers only exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include "hairpin.h"

#define RECV_SIZE	65536
#define DUMP_TRIES	4

int hp_nl_enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "hairpin: cannot open netns `%s': %s\n", name,
			strerror(errno));
		return -1;
	}
	ret = setns(fd, CLONE_NEWNET);
	if (ret < 0)
		fprintf(stderr, "hairpin: cannot enter netns `%s': %s\n", name,
			strerror(errno));
	close(fd);
	return ret;
}

/* One transaction on an open socket. */
struct conv {
	struct mnl_socket *sk;
	uint32_t portid, seq;
	struct hp_nl_ans ans;
};

static void get_extack(struct hp_nl_ans *ans, const struct nlmsghdr *nlh,
		       size_t offset)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + offset)
		return;
	mnl_attr_for_each(a, nlh, offset) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(ans->ext, sizeof(ans->ext), "%s",
				 mnl_attr_get_str(a));
			return;
		}
	}
}

static int err_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct hp_nl_ans *ans = data;
	size_t offset = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += e->msg.nlmsg_len - sizeof(e->msg);
	get_extack(ans, nlh, offset);
	if (!e->error)
		return MNL_CB_STOP;
	errno = e->error < 0 ? -e->error : e->error;
	return MNL_CB_ERROR;
}

/* A dump ends with NLMSG_DONE, which may carry an error and an extack. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct hp_nl_ans *ans = data;
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	get_extack(ans, nlh, sizeof(int));
	if (!err)
		return MNL_CB_STOP;
	errno = err < 0 ? -err : err;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct hp_nl_ans *ans = data;

	return ans->cb ? ans->cb(nlh, ans->data) : MNL_CB_OK;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = noop_cb,
	[NLMSG_ERROR] = err_cb,
	[NLMSG_DONE] = done_cb,
};

/*
 * Runs one received buffer through ans->cb: MNL_CB_OK while more is to come,
 * MNL_CB_STOP after the ACK or NLMSG_DONE, -1 with errno set (and ans->ext
 * holding the kernel's extack message, if any) on an error, EINTR for an
 * interrupted dump.
 */
int hp_nl_run(const void *buf, size_t len, uint32_t seq, uint32_t portid,
	      struct hp_nl_ans *ans)
{
	return mnl_cb_run2(buf, len, seq, portid, data_cb, ans, ctl_cbs,
			   NLMSG_MIN_TYPE);
}

/* Sends nlh and runs the answers until ACK, DONE or an error (errno). */
static int transact(struct conv *cv, struct nlmsghdr *nlh)
{
	char *buf;
	ssize_t n;
	int ret;

	cv->ans.ext[0] = '\0';
	nlh->nlmsg_seq = ++cv->seq;
	if (mnl_socket_sendto(cv->sk, nlh, nlh->nlmsg_len) < 0)
		return -1;
	buf = malloc(RECV_SIZE);
	if (!buf)
		return -1;
	do {
		n = mnl_socket_recvfrom(cv->sk, buf, RECV_SIZE);
		if (n < 0) {
			ret = -1;
			break;
		}
		ret = hp_nl_run(buf, (size_t)n, cv->seq, cv->portid, &cv->ans);
	} while (ret > MNL_CB_STOP);
	free(buf);
	return ret < 0 ? -1 : 0;
}

static int open_sock(struct conv *cv)
{
	int one = 1;

	memset(cv, 0, sizeof(*cv));
	cv->seq = (uint32_t)time(NULL);
	cv->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!cv->sk)
		return -1;
	/* Both are best effort: old kernels lack them. */
	mnl_socket_setsockopt(cv->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(cv->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(cv->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(cv->sk);
		cv->sk = NULL;
		return -1;
	}
	cv->portid = mnl_socket_get_portid(cv->sk);
	return 0;
}

struct family {
	uint16_t id;
	uint32_t group;			/* NFHP_MCGRP_EVENTS or 0 */
};

static int group_cb(const struct nlattr *grp, struct family *f)
{
	const struct nlattr *a, *name = NULL, *id = NULL;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = a;
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			id = a;
	}
	if (name && id && !strcmp(mnl_attr_get_str(name), NFHP_MCGRP_EVENTS))
		f->group = mnl_attr_get_u32(id);
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family *f = data;
	const struct nlattr *a, *g;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				f->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a)
				group_cb(g, f);
			break;
		}
	}
	return MNL_CB_OK;
}

/* 0, or -1 after saying why. */
static int resolve(struct conv *cv, struct family *f)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NFHP_GENL_NAME);
	memset(f, 0, sizeof(*f));
	cv->ans.cb = family_cb;
	cv->ans.data = f;
	if (transact(cv, nlh) == 0) {
		if (f->id)
			return 0;
		errno = ENOENT;
	}
	if (errno == ENOENT)
		fprintf(stderr, "hairpin: " NFHP_GENL_NAME
			" is not loaded: modprobe " NFHP_GENL_NAME "\n");
	else
		fprintf(stderr, "hairpin: cannot resolve " NFHP_GENL_NAME
			": %s\n", strerror(errno));
	return -1;
}

/* An open socket and the family, or -1 after saying why (nothing open). */
/*
 * A whole rule set goes in one message (REPLACE is atomic), which can pass
 * the default socket send buffer (net.core.wmem_default): raise it past the
 * message, beyond wmem_max where CAP_NET_ADMIN allows.
 */
static int grow_sndbuf(struct conv *cv, size_t len)
{
	int fd = mnl_socket_get_fd(cv->sk);
	int want = (int)(len * 2 + 65536);

	if (len < 65536)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want))) {
		fprintf(stderr, "hairpin: cannot raise the send buffer to %d: %s\n",
			want, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_family(struct conv *cv, struct family *f)
{
	if (open_sock(cv) < 0) {
		fprintf(stderr, "hairpin: netlink socket: %s\n",
			strerror(errno));
		return -1;
	}
	if (resolve(cv, f) < 0) {
		mnl_socket_close(cv->sk);
		return -1;
	}
	return 0;
}

/* What went wrong, in one line. */
void hp_nl_report(FILE *f, int err, const char *ext)
{
	ext = ext ? ext : "";
	/* The kernel says why when it is not the command's permission. */
	if ((err == EPERM || err == EACCES) && ext[0])
		fprintf(f, "hairpin: %s: %s\n", strerror(err), ext);
	else if (err == EPERM || err == EACCES)
		fprintf(f, "hairpin: %s: nf_hairpin needs CAP_NET_ADMIN "
			"(run as root)\n", strerror(err));
	else if (err == EINTR)
		fprintf(f, "hairpin: dump interrupted, try again\n");
	else if (ext[0])
		fprintf(f, "hairpin: kernel: %s (%s)\n", ext, strerror(err));
	else
		fprintf(f, "hairpin: kernel: %s\n", strerror(err));
}

static int talk_once(const struct hp_nl_req *req, int *err)
{
	size_t size = req->size ? req->size : MNL_SOCKET_BUFFER_SIZE;
	struct family f;
	struct conv cv;
	struct nlmsghdr *nlh;
	void *buf = NULL;
	int ret = -1;

	*err = 0;
	if (open_family(&cv, &f) < 0)
		return -1;
	buf = calloc(1, size);
	if (!buf) {
		fprintf(stderr, "hairpin: out of memory\n");
		goto out;
	}
	nlh = hp_msg_start(buf, f.id, req->cmd, req->flags |
			   (req->flags & NLM_F_DUMP ? 0 : NLM_F_ACK), 0);
	if (req->build && req->build(nlh, size, req->arg) < 0) {
		fprintf(stderr, "hairpin: request too large: %s\n",
			strerror(errno));
		goto out;
	}
	if (grow_sndbuf(&cv, nlh->nlmsg_len) < 0)
		goto out;
	cv.ans.cb = req->cb;
	cv.ans.data = req->data;
	ret = transact(&cv, nlh);
	if (ret < 0) {
		*err = errno;
		if (!(*err == EINTR && (req->flags & NLM_F_DUMP)))
			hp_nl_report(stderr, *err, cv.ans.ext);
	}
out:
	free(buf);
	mnl_socket_close(cv.sk);
	return ret;
}

int hp_nl_talk(const struct hp_nl_req *req)
{
	int tries, err = 0;

	for (tries = 0; tries < DUMP_TRIES; tries++) {
		if (talk_once(req, &err) == 0)
			return 0;
		if (err != EINTR || !(req->flags & NLM_F_DUMP))
			return -1;
		if (req->reset)
			req->reset(req->data);
	}
	hp_nl_report(stderr, EINTR, NULL);
	return -1;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Runs cb on every event until SIGINT or SIGTERM; 0 then. */
int hp_nl_monitor(mnl_cb_t cb, void *data)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;
	struct pollfd pfd;
	struct family f;
	struct conv cv;
	char *buf = NULL;
	ssize_t n;
	int ret = -1;

	if (open_family(&cv, &f) < 0)
		return -1;
	if (!f.group) {
		fprintf(stderr, "hairpin: " NFHP_GENL_NAME " has no `"
			NFHP_MCGRP_EVENTS "' group\n");
		goto out;
	}
	if (mnl_socket_setsockopt(cv.sk, NETLINK_ADD_MEMBERSHIP, &f.group,
				  sizeof(f.group)) < 0) {
		fprintf(stderr, "hairpin: cannot join `" NFHP_MCGRP_EVENTS
			"': %s\n", strerror(errno));
		goto out;
	}
	buf = malloc(RECV_SIZE);
	if (!buf) {
		fprintf(stderr, "hairpin: out of memory\n");
		goto out;
	}
	/* Signals are only let in while waiting, so none is missed. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	pfd.fd = mnl_socket_get_fd(cv.sk);
	pfd.events = POLLIN;
	while (!stop) {
		if (ppoll(&pfd, 1, NULL, &old) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "hairpin: poll: %s\n", strerror(errno));
			break;
		}
		n = recv(pfd.fd, buf, RECV_SIZE, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS)
				fprintf(stderr, "hairpin: events lost: %s\n",
					strerror(errno));
			else if (errno != EAGAIN && errno != EINTR)
				break;
			continue;
		}
		if (mnl_cb_run(buf, (size_t)n, 0, 0, cb, data) < 0)
			break;
	}
	if (!stop)
		fprintf(stderr, "hairpin: monitor: %s\n", strerror(errno));
	ret = stop ? 0 : -1;
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	free(buf);
	mnl_socket_close(cv.sk);
	return ret;
}
