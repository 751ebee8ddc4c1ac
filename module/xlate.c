// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin header rewriting, after nf_nat_proto.c.
 *
 * Checksums are updated incrementally.  The transport checksum covers a
 * pseudo-header with the addresses, so address changes go through
 * inet_proto_csum_replace4(..., true), which is right for CHECKSUM_PARTIAL
 * (GSO, veth offloads: only the pseudo-header sum is in the field) and
 * keeps skb->csum of CHECKSUM_COMPLETE packets in step.  A UDP checksum of
 * zero means none and stays zero; a computed zero is sent as 0xffff.
 *
 * What a connection's tuple holds as "ports" (struct nfhp_pkt.port_off):
 * TCP and UDP their ports; an ICMP query (RFC 5508 REQ-1/2: echo,
 * timestamp, information, address mask) its identifier, in sport for a
 * request and dport for a reply, the other one 0 and nowhere in the packet;
 * any other protocol nothing, ports 0: it is translated by address alone,
 * as nf_nat translates GRE or ESP.  The ICMP checksum covers no
 * pseudo-header: only a new identifier changes it.  DCCP and UDP-Lite have
 * a pseudo-header checksum we do not update (nfhp_xlate_proto_ok()).
 *
 * ICMP errors (RFC 5508): the outer address and the quoted packet are
 * rewritten together, the quoted packet inversely (an error travelling to
 * the client quotes what the client's peer sent).  The quoted IP checksum
 * and, if the quote reaches it, the quoted transport checksum are updated
 * incrementally (a quoted ICMP query's checksum for its identifier only);
 * the ICMP checksum is computed anew over the message after checking the
 * old one, as nf_nat_icmp_reply_translation() does.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>

#include "xlate.h"

/* The transport header bytes a packet of @proto must have. */
static unsigned int l4_min(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	case IPPROTO_ICMP:
		return sizeof(struct icmphdr);
	default:
		return 0;
	}
}

static bool icmp_is_error(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB || type == ICMP_SOURCE_QUENCH;
}

/* 1: an ICMP query request, 0: its reply, -1: neither. */
static int icmp_query(u8 type)
{
	switch (type) {
	case ICMP_ECHO:
	case ICMP_TIMESTAMP:
	case ICMP_INFO_REQUEST:
	case ICMP_ADDRESS:
		return 1;
	case ICMP_ECHOREPLY:
	case ICMP_TIMESTAMPREPLY:
	case ICMP_INFO_REPLY:
	case ICMP_ADDRESSREPLY:
		return 0;
	default:
		return -1;
	}
}

/*
 * Where the tuple's sport and dport sit in transport header @h of @proto
 * (l4_min() bytes of it pulled), NFHP_NO_PORT where it has none, and their
 * values.  -ENOENT: an ICMP message that is no query.
 */
static int l4_ports(u8 proto, const u8 *h, u8 *off, __be16 *port)
{
	int i, q;

	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		off[0] = offsetof(struct udphdr, source);
		off[1] = offsetof(struct udphdr, dest);
		break;
	case IPPROTO_ICMP:
		q = icmp_query(((const struct icmphdr *)h)->type);
		if (q < 0)
			return -ENOENT;
		off[!q] = offsetof(struct icmphdr, un.echo.id);
		off[q] = NFHP_NO_PORT;
		break;
	default:
		off[0] = NFHP_NO_PORT;
		off[1] = NFHP_NO_PORT;
		break;
	}
	for (i = 0; i < 2; i++)
		port[i] = off[i] == NFHP_NO_PORT ? 0 :
			  *(const __be16 *)(h + off[i]);
	return 0;
}

bool nfhp_xlate_proto_ok(u8 proto)
{
	/* Their checksum covers the addresses: see the top of the file. */
	return proto != IPPROTO_DCCP && proto != IPPROTO_UDPLITE;
}

/*
 * The quoted packet of an ICMP error at @p->l4off: about TCP, UDP, an ICMP
 * query or a protocol translated by address, never about another error.
 */
static int parse_icmp_err(struct sk_buff *skb, struct nfhp_pkt *p)
{
	const struct iphdr *iph;
	unsigned int ioff = p->l4off + sizeof(struct icmphdr);
	unsigned int ihl, need;
	__be16 port[2];
	u8 off[2];

	if (!pskb_may_pull(skb, ioff + sizeof(struct iphdr)))
		return -EINVAL;
	iph = (const struct iphdr *)(skb_network_header(skb) + ioff);
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(struct iphdr))
		return -EINVAL;
	if (iph->frag_off & htons(IP_OFFSET))
		return -ENOENT;
	/* RFC 792: the quote holds at least 8 bytes of transport header. */
	need = l4_min(iph->protocol) ? 8 : 0;
	if (!pskb_may_pull(skb, ioff + ihl + need))
		return -EINVAL;
	iph = (const struct iphdr *)(skb_network_header(skb) + ioff);
	if (l4_ports(iph->protocol, (const u8 *)iph + ihl, off, port))
		return -ENOENT;
	p->proto = iph->protocol;
	p->icmp_err = true;
	p->ioff = ioff;
	p->il4off = ioff + ihl;
	p->port_off[0] = off[0];
	p->port_off[1] = off[1];
	/* The tuple of a packet going the error's way. */
	p->t.src = iph->daddr;
	p->t.dst = iph->saddr;
	p->t.sport = port[1];
	p->t.dport = port[0];
	return 0;
}

int nfhp_xlate_parse(struct sk_buff *skb, struct nfhp_pkt *p)
{
	const struct iphdr *iph = ip_hdr(skb);
	const u8 *h;
	__be16 port[2];

	/* ip_rcv() checked the IP header; LOCAL_OUT builds its own. */
	if (ip_is_fragment(iph))
		return -ENOENT;	/* defrag let it through: not ours to touch */
	p->l4off = ip_hdrlen(skb);
	p->icmp_err = false;
	if (!pskb_may_pull(skb, p->l4off + l4_min(iph->protocol)))
		return -EINVAL;
	iph = ip_hdr(skb);
	h = skb_network_header(skb) + p->l4off;
	if (iph->protocol == IPPROTO_ICMP &&
	    icmp_is_error(((const struct icmphdr *)h)->type))
		return parse_icmp_err(skb, p);
	if (l4_ports(iph->protocol, h, p->port_off, port))
		return -ENOENT;
	p->proto = iph->protocol;
	p->t.src = iph->saddr;
	p->t.dst = iph->daddr;
	p->t.sport = port[0];
	p->t.dport = port[1];
	return 0;
}

/* The transport checksum field of a full header at @off, or NULL. */
static __sum16 *l4_check(struct sk_buff *skb, u8 proto, unsigned int off)
{
	u8 *h = skb_network_header(skb) + off;

	if (proto == IPPROTO_TCP)
		return &((struct tcphdr *)h)->check;
	if (((struct udphdr *)h)->check || skb->ip_summed == CHECKSUM_PARTIAL)
		return &((struct udphdr *)h)->check;
	return NULL;
}

/* The port (identifier) field at @off of the header at @l4off, or NULL. */
static __be16 *port_at(struct sk_buff *skb, unsigned int l4off, u8 off)
{
	if (off == NFHP_NO_PORT)
		return NULL;
	return (__be16 *)(skb_network_header(skb) + l4off + off);
}

static int xlate_plain(struct sk_buff *skb, const struct nfhp_pkt *p,
		       enum nfhp_manip_type manip, __be32 addr, __be16 port)
{
	unsigned int len = skb_network_offset(skb) + p->l4off +
			   l4_min(p->proto);
	bool src = manip == NFHP_MANIP_SRC;
	struct iphdr *iph;
	__sum16 *check = NULL;
	__be32 *ap;
	__be16 *pp;

	if (skb_ensure_writable(skb, len))
		return -ENOMEM;
	iph = ip_hdr(skb);
	ap = src ? &iph->saddr : &iph->daddr;
	pp = port_at(skb, p->l4off, p->port_off[!src]);
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		check = l4_check(skb, p->proto, p->l4off);
		if (check)
			inet_proto_csum_replace4(check, skb, *ap, addr, true);
	} else if (p->proto == IPPROTO_ICMP) {
		check = &((struct icmphdr *)(skb_network_header(skb) +
					     p->l4off))->checksum;
	}
	if (check && pp)
		inet_proto_csum_replace2(check, skb, *pp, port, false);
	if (check && p->proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
	csum_replace4(&iph->check, *ap, addr);
	*ap = addr;
	if (pp)
		*pp = port;
	return 0;
}

/* The quoted transport checksum to update, if the quote has it. */
static __sum16 *quoted_check(struct sk_buff *skb, const struct nfhp_pkt *p,
			     unsigned int quoted)
{
	u8 *h = skb_network_header(skb) + p->il4off;

	switch (p->proto) {
	case IPPROTO_TCP:
		if (quoted < sizeof(struct tcphdr))
			return NULL;
		return &((struct tcphdr *)h)->check;
	case IPPROTO_UDP:
		if (!((struct udphdr *)h)->check)
			return NULL;
		return &((struct udphdr *)h)->check;
	case IPPROTO_ICMP:
		return &((struct icmphdr *)h)->checksum;
	default:
		return NULL;
	}
}

static int xlate_icmp_err(struct sk_buff *skb, const struct nfhp_pkt *p,
			  enum nfhp_manip_type manip, __be32 addr,
			  __be16 port)
{
	unsigned int noff = skb_network_offset(skb);
	unsigned int len = skb->len - noff;
	unsigned int need = p->il4off + (l4_min(p->proto) ? 8 : 0);
	bool src = manip == NFHP_MANIP_SRC;
	struct icmphdr *ih;
	struct iphdr *iph, *inner;
	__sum16 *check;
	__be32 *ap, *iap;
	__be16 *pp;

	/* The quoted TCP checksum, if the quote has it. */
	if (p->proto == IPPROTO_TCP &&
	    len >= p->il4off + sizeof(struct tcphdr))
		need = p->il4off + sizeof(struct tcphdr);
	if (skb_ensure_writable(skb, noff + need))
		return -ENOMEM;
	iph = ip_hdr(skb);
	ih = (struct icmphdr *)(skb_network_header(skb) + p->l4off);
	inner = (struct iphdr *)(skb_network_header(skb) + p->ioff);
	check = quoted_check(skb, p, need - p->il4off);

	/* Outer: as a packet of this direction.  Inner: the inverse. */
	ap = src ? &iph->saddr : &iph->daddr;
	iap = src ? &inner->daddr : &inner->saddr;
	pp = port_at(skb, p->il4off, p->port_off[src]);
	if (check && p->proto != IPPROTO_ICMP)
		csum_replace4(check, *iap, addr);
	if (check && pp)
		csum_replace2(check, *pp, port);
	if (check && p->proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
	csum_replace4(&inner->check, *iap, addr);
	*iap = addr;
	if (pp)
		*pp = port;

	if (skb->ip_summed != CHECKSUM_PARTIAL) {
		ih->checksum = 0;
		ih->checksum = csum_fold(skb_checksum(skb, noff + p->l4off,
						      len - p->l4off, 0));
		if (skb->ip_summed == CHECKSUM_COMPLETE)
			skb->ip_summed = CHECKSUM_NONE;
	}
	csum_replace4(&iph->check, *ap, addr);
	*ap = addr;
	return 0;
}

int nfhp_xlate(struct sk_buff *skb, const struct nfhp_pkt *p,
	       enum nfhp_manip_type manip, __be32 addr, __be16 port)
{
	if (p->icmp_err)
		return xlate_icmp_err(skb, p, manip, addr, port);
	return xlate_plain(skb, p, manip, addr, port);
}

/* Whether an ICMP error's checksum is right, before we recompute it. */
bool nfhp_xlate_icmp_csum_ok(struct sk_buff *skb, const struct nfhp_pkt *p,
			     unsigned int hook)
{
	return !nf_ip_checksum(skb, hook, p->l4off, IPPROTO_ICMP);
}
