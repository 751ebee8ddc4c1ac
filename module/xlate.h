/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin header parsing and rewriting (xlate.c).
 */
#ifndef _NFHP_XLATE_H
#define _NFHP_XLATE_H

#include <linux/types.h>

#include "conn.h"

struct sk_buff;

/**
 * struct nfhp_pkt - what the hooks need to know about a packet
 * @t:		its tuple; for an ICMP error the inverse of the quoted
 *		packet's, i.e. the tuple of a packet travelling the way the
 *		error travels
 * @l4off:	transport header offset from the network header
 * @proto:	IPPROTO_TCP or _UDP; for an ICMP error the quoted protocol
 * @icmp_err:	an ICMP error about a TCP or UDP packet
 * @ioff:	ICMP error: offset of the quoted IP header
 * @il4off:	ICMP error: offset of the quoted transport header
 */
struct nfhp_pkt {
	struct nfhp_tuple	t;
	unsigned int		l4off;
	u8			proto;
	bool			icmp_err;
	unsigned int		ioff;
	unsigned int		il4off;
};

/*
 * 0: @p describes the packet.  -ENOENT: nothing for us (another protocol,
 * a fragment, an ICMP message that is not an error about TCP or UDP).
 * -EINVAL: malformed (too short for its headers).
 */
int nfhp_xlate_parse(struct sk_buff *skb, struct nfhp_pkt *p);

/* Which side of a packet a rewrite touches (nf_nat's nf_nat_manip_type). */
enum nfhp_manip_type {
	NFHP_MANIP_SRC,
	NFHP_MANIP_DST,
};

/*
 * Rewrite the source or destination address and port of the packet; for
 * an ICMP error the outer address and, inversely, the quoted packet's
 * destination or source address and port.  0 or -ENOMEM.
 */
int nfhp_xlate(struct sk_buff *skb, const struct nfhp_pkt *p,
	       enum nfhp_manip_type manip, __be32 addr, __be16 port);

/* Whether an ICMP error's own checksum is right (it is computed anew). */
bool nfhp_xlate_icmp_csum_ok(struct sk_buff *skb, const struct nfhp_pkt *p,
			     unsigned int hook);

#endif /* _NFHP_XLATE_H */
