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
 * ICMP errors (RFC 5508): the outer address and the quoted packet are
 * rewritten together, the quoted packet inversely (an error travelling to
 * the client quotes what the client's peer sent).  The quoted IP checksum
 * and, if the quote reaches it, the quoted transport checksum are updated
 * incrementally; the ICMP checksum is computed anew over the message after
 * checking the old one, as nf_nat_icmp_reply_translation() does.
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

static bool l4_ok(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static unsigned int l4_min(u8 proto)
{
	return proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
				      sizeof(struct udphdr);
}

static bool icmp_is_error(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB || type == ICMP_SOURCE_QUENCH;
}

/* The quoted packet of an ICMP error at @p->l4off. */
static int parse_icmp_err(struct sk_buff *skb, struct nfhp_pkt *p)
{
	const struct iphdr *iph;
	const __be16 *ports;
	unsigned int ioff = p->l4off + sizeof(struct icmphdr);
	unsigned int ihl;

	if (!pskb_may_pull(skb, ioff + sizeof(struct iphdr)))
		return -EINVAL;
	iph = (const struct iphdr *)(skb_network_header(skb) + ioff);
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(struct iphdr))
		return -EINVAL;
	if (!l4_ok(iph->protocol) || (iph->frag_off & htons(IP_OFFSET)))
		return -ENOENT;
	/* RFC 792: the quote holds at least 8 bytes of transport header. */
	if (!pskb_may_pull(skb, ioff + ihl + 8))
		return -EINVAL;
	iph = (const struct iphdr *)(skb_network_header(skb) + ioff);
	ports = (const __be16 *)((const u8 *)iph + ihl);
	p->proto = iph->protocol;
	p->icmp_err = true;
	p->ioff = ioff;
	p->il4off = ioff + ihl;
	/* The tuple of a packet going the error's way. */
	p->t.src = iph->daddr;
	p->t.dst = iph->saddr;
	p->t.sport = ports[1];
	p->t.dport = ports[0];
	return 0;
}

int nfhp_xlate_parse(struct sk_buff *skb, struct nfhp_pkt *p)
{
	const struct iphdr *iph = ip_hdr(skb);
	const __be16 *ports;

	/* ip_rcv() checked the IP header; LOCAL_OUT builds its own. */
	if (ip_is_fragment(iph))
		return -ENOENT;	/* defrag let it through: not ours to touch */
	p->l4off = ip_hdrlen(skb);
	p->icmp_err = false;
	if (iph->protocol == IPPROTO_ICMP) {
		const struct icmphdr *ih;

		if (!pskb_may_pull(skb, p->l4off + sizeof(*ih)))
			return -EINVAL;
		ih = (const struct icmphdr *)(skb_network_header(skb) +
					      p->l4off);
		if (!icmp_is_error(ih->type))
			return -ENOENT;
		return parse_icmp_err(skb, p);
	}
	if (!l4_ok(iph->protocol))
		return -ENOENT;
	if (!pskb_may_pull(skb, p->l4off + l4_min(iph->protocol)))
		return -EINVAL;
	iph = ip_hdr(skb);
	ports = (const __be16 *)(skb_network_header(skb) + p->l4off);
	p->proto = iph->protocol;
	p->t.src = iph->saddr;
	p->t.dst = iph->daddr;
	p->t.sport = ports[0];
	p->t.dport = ports[1];
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

static int xlate_plain(struct sk_buff *skb, const struct nfhp_pkt *p,
		       enum nfhp_manip_type manip, __be32 addr, __be16 port)
{
	unsigned int len = skb_network_offset(skb) + p->l4off +
			   l4_min(p->proto);
	bool src = manip == NFHP_MANIP_SRC;
	struct iphdr *iph;
	__be16 *ports;
	__sum16 *check;
	__be32 *ap;
	__be16 *pp;

	if (skb_ensure_writable(skb, len))
		return -ENOMEM;
	iph = ip_hdr(skb);
	ports = (__be16 *)(skb_network_header(skb) + p->l4off);
	ap = src ? &iph->saddr : &iph->daddr;
	pp = src ? &ports[0] : &ports[1];
	check = l4_check(skb, p->proto, p->l4off);
	if (check) {
		inet_proto_csum_replace4(check, skb, *ap, addr, true);
		inet_proto_csum_replace2(check, skb, *pp, port, false);
		if (p->proto == IPPROTO_UDP && !*check)
			*check = CSUM_MANGLED_0;
	}
	csum_replace4(&iph->check, *ap, addr);
	*ap = addr;
	*pp = port;
	return 0;
}

static int xlate_icmp_err(struct sk_buff *skb, const struct nfhp_pkt *p,
			  enum nfhp_manip_type manip, __be32 addr,
			  __be16 port)
{
	unsigned int noff = skb_network_offset(skb);
	unsigned int len = skb->len - noff;
	unsigned int need = p->il4off + 8;
	bool src = manip == NFHP_MANIP_SRC;
	struct icmphdr *ih;
	struct iphdr *iph, *inner;
	__be16 *ports, *pp;
	__sum16 *check = NULL;
	__be32 *ap, *iap;

	/* The quoted transport checksum, if the quote has it. */
	if (p->proto == IPPROTO_TCP &&
	    len >= p->il4off + sizeof(struct tcphdr))
		need = p->il4off + sizeof(struct tcphdr);
	if (skb_ensure_writable(skb, noff + need))
		return -ENOMEM;
	iph = ip_hdr(skb);
	ih = (struct icmphdr *)(skb_network_header(skb) + p->l4off);
	inner = (struct iphdr *)(skb_network_header(skb) + p->ioff);
	ports = (__be16 *)(skb_network_header(skb) + p->il4off);
	if (p->proto == IPPROTO_TCP && need > p->il4off + 8)
		check = &((struct tcphdr *)ports)->check;
	else if (p->proto == IPPROTO_UDP && ((struct udphdr *)ports)->check)
		check = &((struct udphdr *)ports)->check;

	/* Outer: as a packet of this direction.  Inner: the inverse. */
	ap = src ? &iph->saddr : &iph->daddr;
	iap = src ? &inner->daddr : &inner->saddr;
	pp = src ? &ports[1] : &ports[0];
	if (check) {
		csum_replace4(check, *iap, addr);
		csum_replace2(check, *pp, port);
		if (p->proto == IPPROTO_UDP && !*check)
			*check = CSUM_MANGLED_0;
	}
	csum_replace4(&inner->check, *iap, addr);
	*iap = addr;
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
