/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin header parsing and rewriting (xlate.c).
 */
#ifndef _NFHP_XLATE_H
#define _NFHP_XLATE_H

#include <linux/in.h>
#include <linux/types.h>

#include "conn.h"

struct sk_buff;

/**
 * struct nfhp_pkt - what the hooks need to know about a packet
 * @t:		its tuple; for an ICMP error the inverse of the quoted
 *		packet's, i.e. the tuple of a packet travelling the way the
 *		error travels
 * @l4off:	transport header offset from the network header
 * @proto:	the IP protocol; for an ICMP error the quoted protocol
 * @icmp_err:	an ICMP error about a TCP, UDP, ICMP query or other packet
 * @port_off:	where the sport and dport of the (quoted) packet's own tuple
 *		sit in its transport header, NFHP_NO_PORT where it has none
 *		(they are 0 in the tuple): TCP/UDP ports, an ICMP query's
 *		identifier (sport of a request, dport of a reply)
 * @ioff:	ICMP error: offset of the quoted IP header
 * @il4off:	ICMP error: offset of the quoted transport header
 */
struct nfhp_pkt {
	struct nfhp_tuple	t;
	unsigned int		l4off;
	u8			proto;
	bool			icmp_err;
	u8			port_off[2];
	unsigned int		ioff;
	unsigned int		il4off;
};

#define NFHP_NO_PORT	0xff

/*
 * 0: @p describes the packet.  -ENOENT: nothing for us (a fragment, an
 * ICMP message that is neither a query nor an error about a packet we
 * could translate).  -EINVAL: malformed (too short for its headers).
 */
int nfhp_xlate_parse(struct sk_buff *skb, struct nfhp_pkt *p);

/* Whether @proto has a port (or an ICMP identifier) we can choose. */
static inline bool nfhp_xlate_has_port(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_ICMP;
}

/*
 * Whether packets of @proto can be translated: not DCCP and UDP-Lite,
 * whose checksums cover the addresses and which we do not parse.
 */
bool nfhp_xlate_proto_ok(u8 proto);

/* Which side of a packet a rewrite touches (nf_nat's nf_nat_manip_type). */
enum nfhp_manip_type {
	NFHP_MANIP_SRC,
	NFHP_MANIP_DST,
};

/*
 * Rewrite the source or destination address and port of the packet (the
 * port where @p->port_off has one); for an ICMP error the outer address
 * and, inversely, the quoted packet's destination or source address and
 * port.  0 or -ENOMEM.
 */
int nfhp_xlate(struct sk_buff *skb, const struct nfhp_pkt *p,
	       enum nfhp_manip_type manip, __be32 addr, __be16 port);

/* Whether an ICMP error's own checksum is right (it is computed anew). */
bool nfhp_xlate_icmp_csum_ok(struct sk_buff *skb, const struct nfhp_pkt *p,
			     unsigned int hook);

#endif /* _NFHP_XLATE_H */
