/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin netlink: the generic netlink family (netlink.c).
 */
#ifndef _NFHP_NETLINK_H
#define _NFHP_NETLINK_H

int nfhp_netlink_init(void);
void nfhp_netlink_exit(void);

#endif /* _NFHP_NETLINK_H */
