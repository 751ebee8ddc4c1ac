// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin: module init and exit, and what every namespace sets up and
 * tears down, in order, one call a step (as IPVS's __ip_vs_init() and
 * __ip_vs_cleanup()).
 *
 * Init is a ladder: each step that succeeds is undone, in reverse order, by
 * the error path below it and by the exit function.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/sizes.h>
#include <linux/nf_hairpin.h>

#include "nf_hairpin.h"
#include "rules.h"
#include "conn.h"
#include "hooks.h"
#include "netlink.h"
#include "addr.h"

unsigned int nfhp_net_id __read_mostly;

/*
 * Default connection limit: one entry per 16 KiB of RAM, as nf_conntrack
 * scales nf_conntrack_max, clamped to [4096, 1048576].  Not a shift by
 * 14 - PAGE_SHIFT, negative with 64 KiB pages; mult_frac() divides before
 * it multiplies, as RAM in bytes may not fit an unsigned long (32-bit).
 */
static u32 nfhp_conn_max_default(void)
{
	unsigned long n = mult_frac(totalram_pages(), PAGE_SIZE, SZ_16K);

	return clamp_t(unsigned long, n, 4096, 1 << 20);
}

/*
 * A new namespace starts with the initial namespace's settings, which are
 * also its ceiling unless the host's admin raises them (netlink.c): a user
 * who owns a user and network namespace cannot make the kernel keep more
 * connections, or keep them longer, than the host's admin allows.
 */
static void nfhp_cfg_init(struct nfhp_net *hn)
{
	struct nfhp_net *host = nfhp_pernet(&init_net);

	if (hn == host) {
		hn->cfg = (struct nfhp_cfg) {
			.tcp_established = 7440 * HZ,	/* RFC 5382 REQ-5 */
			.tcp_transitory	 = 240 * HZ,	/* RFC 5382: 4 minutes */
			.tcp_time_wait	 = 120 * HZ,	/* 2 MSL */
			.udp		 = 300 * HZ,	/* RFC 4787 REQ-5 */
			.icmp		 = 60 * HZ,	/* RFC 5508 REQ-1 */
			/* nf_conntrack's nf_conntrack_udp_timeout */
			.udp_unreplied	 = 30 * HZ,
			/* nf_conntrack's SYN_SENT.  Below RFC 5382 REQ-5's
			 * 4 minutes for "partially open" connections, on
			 * purpose: spoofed SYNs hold the table this long
			 * (set 240 for the letter of the RFC)
			 */
			.tcp_syn	 = 120 * HZ,
			.conn_max	 = nfhp_conn_max_default(),
			.rules_max	 = 65536,
		};
		return;
	}
	/* Field by field, as the packet path reads them: no lock on the
	 * host's settings while a namespace is made (pernet_ops_rwsem held).
	 */
	hn->cfg.tcp_established = READ_ONCE(host->cfg.tcp_established);
	hn->cfg.tcp_transitory = READ_ONCE(host->cfg.tcp_transitory);
	hn->cfg.tcp_time_wait = READ_ONCE(host->cfg.tcp_time_wait);
	hn->cfg.tcp_syn = READ_ONCE(host->cfg.tcp_syn);
	hn->cfg.udp = READ_ONCE(host->cfg.udp);
	hn->cfg.udp_unreplied = READ_ONCE(host->cfg.udp_unreplied);
	hn->cfg.icmp = READ_ONCE(host->cfg.icmp);
	hn->cfg.conn_max = READ_ONCE(host->cfg.conn_max);
	hn->cfg.rules_max = READ_ONCE(host->cfg.rules_max);
}

static int __net_init nfhp_net_init(struct net *net)
{
	struct nfhp_net *hn = nfhp_pernet(net);
	int err;

	hn->net = net;
	mutex_init(&hn->lock);
	nfhp_cfg_init(hn);
	hn->stats = __netdev_alloc_pcpu_stats(struct nfhp_stats,
					      GFP_KERNEL_ACCOUNT);
	if (!hn->stats)
		return -ENOMEM;
	err = nfhp_conn_net_init(hn);
	if (err)
		goto err_conn;
	nfhp_rules_net_init(hn);
	/* The hooks come with the first rule: nfhp_hooks_enable(). */
	return 0;

err_conn:
	free_percpu(hn->stats);
	return err;
}

static void __net_exit nfhp_net_exit(struct net *net)
{
	struct nfhp_net *hn = nfhp_pernet(net);

	if (nfhp_hooks_disable(hn))	/* hooks and defrag off: no new packet */
		synchronize_net();	/* and none still in a hook */
	nfhp_conn_net_exit(hn);		/* GC stopped, connections reaped */
	nfhp_rules_net_exit(hn);	/* after the connections that hold them */
	free_percpu(hn->stats);
	mutex_destroy(&hn->lock);
}

static struct pernet_operations nfhp_net_ops = {
	.init = nfhp_net_init,
	.exit = nfhp_net_exit,
	.id   = &nfhp_net_id,
	.size = sizeof(struct nfhp_net),
};

static int __init nfhp_init(void)
{
	int err;

	err = nfhp_conn_init();
	if (err)
		goto err_conn;
	err = register_pernet_subsys(&nfhp_net_ops);
	if (err)
		goto err_pernet;
	err = nfhp_addr_init();		/* address and device notifiers */
	if (err)
		goto err_addr;
	err = nfhp_netlink_init();
	if (err)
		goto err_netlink;

	pr_info("version %s loaded\n", NFHP_VERSION_STR);
	return 0;

err_netlink:
	nfhp_addr_exit();
err_addr:
	unregister_pernet_subsys(&nfhp_net_ops);
	nfhp_rules_exit();
err_pernet:
	nfhp_conn_exit();
err_conn:
	return err;
}

static void __exit nfhp_exit(void)
{
	nfhp_netlink_exit();
	nfhp_addr_exit();	/* its work done before the namespaces go */
	unregister_pernet_subsys(&nfhp_net_ops);
	nfhp_rules_exit();	/* rules still freed through RCU */
	nfhp_conn_exit();	/* connections still freed through RCU */
	pr_info("unloaded\n");
}

module_init(nfhp_init);
module_exit(nfhp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Port forwarding with working NAT loopback (hairpin NAT)");
MODULE_AUTHOR("The nf_hairpin developers");
MODULE_VERSION(NFHP_VERSION_STR);
