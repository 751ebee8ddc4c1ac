/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_hairpin (addr.c): connections masqueraded to an address that goes, or
 * to the addresses of an interface that goes down, end.
 */
#ifndef _NFHP_ADDR_H
#define _NFHP_ADDR_H

/* Module load and unload: the notifiers and their workqueue. */
int nfhp_addr_init(void);
void nfhp_addr_exit(void);

#endif /* _NFHP_ADDR_H */
