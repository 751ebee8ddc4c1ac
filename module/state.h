/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin connection state and timeouts (state.c).
 */
#ifndef _NFHP_STATE_H
#define _NFHP_STATE_H

#include "conn.h"

struct sk_buff;

/*
 * Whether a packet may open a connection through a port forward (TCP: a
 * SYN only; ICMP: a query request).
 */
bool nfhp_state_new_ok(u8 proto, const struct sk_buff *skb,
		       unsigned int l4off);

/* What a packet without a connection that an SNAT rule matches does. */
enum nfhp_new {
	NFHP_NEW_PASS,		/* passes untranslated (an ICMP query reply) */
	NFHP_NEW_START,		/* opens a connection */
	NFHP_NEW_PICKUP,	/* opens a TCP connection mid-stream */
	NFHP_NEW_DROP,		/* TCP that cannot open one: RST, SYN/ACK */
};

enum nfhp_new nfhp_state_new_snat(u8 proto, const struct sk_buff *skb,
				  unsigned int l4off);
/*
 * A new connection's first state and its timeout; a TCP connection not
 * opened by a SYN is one taken up mid-stream (NFHP_CONN_F_PICKUP).
 */
void nfhp_state_start(struct nfhp_net *hn, struct nfhp_conn *c,
		      const struct sk_buff *skb, unsigned int l4off);
/* A packet of @c travelling @dir: next state, timeout moved on. */
void nfhp_state_update(struct nfhp_net *hn, struct nfhp_conn *c,
		       enum nfhp_dir dir, const struct sk_buff *skb,
		       unsigned int l4off);
/* TCP in TIME_WAIT or CLOSE: may give way to a new connection. */
bool nfhp_state_closing(const struct nfhp_conn *c);
/* Never replied (UDP, ICMP) or never established (TCP): may be evicted. */
bool nfhp_state_unconfirmed(const struct nfhp_conn *c);

#endif /* _NFHP_STATE_H */
