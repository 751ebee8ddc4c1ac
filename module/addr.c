// SPDX-License-Identifier: GPL-2.0
/*
 * nf_hairpin: following the router's addresses.
 *
 * A connection masqueraded to an address (an SNAT rule with masquerade, or
 * loopback SNAT to the router's address on the server's network) keeps that
 * address for its life: its REPLY tuple is fixed at creation.  When the
 * address goes (DHCP or PPPoE renumbering, `ip addr del') or the interface
 * it is on goes down, the connection could only go on leaving from an
 * address that is not the router's any more, and its replies, addressed
 * to it, would never come back.  So, as nf_nat's masquerade notifiers do
 * (net/netfilter/nf_nat_masquerade.c), such connections end, and the next
 * packet of the flow makes a new one with the address masquerade chooses
 * now.  Each is counted in NFHP_STAT_ADDR_GONE.
 *
 * - An IPv4 address removed (inetaddr NETDEV_DOWN): the connections whose
 *   SNAT address (REPLY dst) is that address.  Addresses removed because
 *   their device is being destroyed (in_dev->dead) are left to the
 *   netdevice event below, as nf_nat does: a device is downed before it is
 *   unregistered, so NETDEV_DOWN has seen them.
 * - A device down (netdevice NETDEV_DOWN; IPv4 keeps its addresses on a
 *   down device): the connections masqueraded to any of its addresses.
 *   nf_nat keeps the output interface of each masqueraded entry; struct
 *   nfhp_conn has no room for it (128 bytes), so the addresses stand for
 *   the device: a connection that leaves through the device with the
 *   address of another (masquerade on an interface without addresses of its
 *   own) is not ended, and one that leaves through another device with an
 *   address of this one is.
 * - The address compared is ifa_local, the one masquerade chooses
 *   (inet_select_addr()), not ifa_address, the peer of a point-to-point
 *   (PPPoE) link.
 * - Fixed `snat ... to ADDR' rules are left alone, as nf_nat leaves SNAT:
 *   the admin chose the address.  So are port forwards: their connections
 *   end with their timeout, and `dst local' rules match whatever address is
 *   local when a connection starts.
 *
 * Why a work item: the notifiers run under RTNL, and a table holds up to a
 * million connections in 2^18 buckets; walking it takes long enough (tens
 * to hundreds of milliseconds, more on a small router) that holding RTNL
 * for it would stall every other network configuration change, a DHCP
 * client's included.  The event is therefore recorded (the addresses, a
 * reference on the namespace) and the walk done by a work item, one bucket
 * at a time with BHs off (nfhp_conn_kill_matching()).  The work items run
 * on an unbound workqueue of our own, side by side (two walks of one table
 * are safe: a connection dies once), which module unload drains; so one
 * namespace's walks do not queue up ahead of another's.  At most
 * NFHP_ADDR_WORKS_MAX wait at once per namespace (a user namespace's storm
 * of address changes costs that namespace's events): beyond that (a storm,
 * or no memory) an event is dropped, as nf_nat drops its, and its
 * connections end with their timeout.  The work item is charged to the
 * memory cgroup of whoever changed the address.  Until the work has run,
 * packets of a doomed connection still leave with the old address.
 * A namespace without connections costs nothing: no work is queued.
 *
 * Per-namespace safety: the event takes a reference on the namespace
 * (maybe_get_net(): none for a namespace being dismantled, whose table
 * goes with it anyway), so the table (hn->conns, freed by the namespace's
 * exit) lives until the work has run.
 */
#include <linux/atomic.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <linux/nf_hairpin.h>

#include "nf_hairpin.h"
#include "rules.h"
#include "conn.h"
#include "addr.h"

#define NFHP_ADDR_WORKS_MAX	16	/* per namespace */

/**
 * struct addr_work - connections to end in one namespace
 * @work:	on addr_wq
 * @net:	the namespace, referenced
 * @ns_tracker:	for the reference
 * @n:		how many addresses
 * @addr:	the addresses that went
 */
struct addr_work {
	struct work_struct	work;
	struct net		*net;
	netns_tracker		ns_tracker;
	unsigned int		n;
	__be32			addr[];
};

static struct workqueue_struct *addr_wq;
/* Set at unload: unregistering the netdevice notifier replays NETDEV_DOWN. */
static bool addr_off;

/*
 * Whether @c was masqueraded (or reflected) to one of the addresses, or let
 * in on a mapping of one of them (hooks.c, map_in(): DNAT by no rule).
 */
static bool addr_match(const struct nfhp_conn *c, const void *arg)
{
	const struct addr_work *w = arg;
	__be32 snat = c->th[NFHP_DIR_REPLY].t.dst;
	unsigned int i;

	if (!(c->flags & NFHP_CONN_F_SNAT)) {
		if (!(c->flags & NFHP_CONN_F_DNAT) || c->dnat)
			return false;
		snat = c->th[NFHP_DIR_ORIG].t.dst;
	} else if (!(c->flags & NFHP_CONN_F_REFLECTED) &&
		   !(c->snat &&
		     (c->snat->core.flags & NFHP_SNAT_F_MASQUERADE))) {
		return false;
	}
	for (i = 0; i < w->n; i++)
		if (w->addr[i] == snat)
			return true;
	return false;
}

static void addr_gone_work(struct work_struct *work)
{
	struct addr_work *w = container_of(work, struct addr_work, work);

	nfhp_conn_kill_matching(nfhp_pernet(w->net), addr_match, w,
				NFHP_STAT_ADDR_GONE);
	atomic_dec(&nfhp_pernet(w->net)->addr_works);
	put_net_track(w->net, &w->ns_tracker);
	kfree(w);
}

/*
 * A work item for @n addresses in @net, or NULL if there is nothing to do
 * (no connections) or no room.  Under RTNL.
 */
static struct addr_work *addr_work_alloc(struct net *net, unsigned int n)
{
	struct addr_work *w;

	if (READ_ONCE(addr_off) || !n)
		return NULL;
	net = maybe_get_net(net);
	if (!net)
		return NULL;	/* being dismantled: its table goes anyway */
	if (!nfhp_conn_count(nfhp_pernet(net)))
		goto out;
	if (atomic_inc_return(&nfhp_pernet(net)->addr_works) >
	    NFHP_ADDR_WORKS_MAX)
		goto out_dec;
	w = kmalloc(struct_size(w, addr, n), GFP_KERNEL_ACCOUNT);
	if (!w)
		goto out_dec;
	INIT_WORK(&w->work, addr_gone_work);
	w->net = net;
	netns_tracker_alloc(net, &w->ns_tracker, GFP_KERNEL);
	w->n = n;
	return w;

out_dec:
	atomic_dec(&nfhp_pernet(net)->addr_works);
out:
	put_net(net);
	return NULL;
}

static int addr_inet_event(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	const struct in_ifaddr *ifa = ptr;
	const struct in_device *in_dev = ifa->ifa_dev;
	struct addr_work *w;

	if (event != NETDEV_DOWN || in_dev->dead)
		return NOTIFY_DONE;
	w = addr_work_alloc(dev_net(in_dev->dev), 1);
	if (w) {
		w->addr[0] = ifa->ifa_local;
		queue_work(addr_wq, &w->work);
	}
	return NOTIFY_DONE;
}

static int addr_dev_event(struct notifier_block *nb, unsigned long event,
			  void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	const struct in_ifaddr *ifa;
	struct in_device *in_dev;
	struct addr_work *w;
	unsigned int n = 0;

	if (event != NETDEV_DOWN)
		return NOTIFY_DONE;
	in_dev = __in_dev_get_rtnl(dev);
	if (!in_dev)
		return NOTIFY_DONE;
	in_dev_for_each_ifa_rtnl(ifa, in_dev)
		n++;
	w = addr_work_alloc(dev_net(dev), n);
	if (!w)
		return NOTIFY_DONE;
	n = 0;
	in_dev_for_each_ifa_rtnl(ifa, in_dev)	/* the same list: under RTNL */
		w->addr[n++] = ifa->ifa_local;
	queue_work(addr_wq, &w->work);
	return NOTIFY_DONE;
}

static struct notifier_block addr_inet_nb = {
	.notifier_call = addr_inet_event,
};

static struct notifier_block addr_dev_nb = {
	.notifier_call = addr_dev_event,
};

/* After the namespaces' state exists (register_pernet_subsys()). */
int nfhp_addr_init(void)
{
	int err;

	addr_wq = alloc_workqueue("nf_hairpin_addr", WQ_UNBOUND, 0);
	if (!addr_wq)
		return -ENOMEM;
	err = register_netdevice_notifier(&addr_dev_nb);
	if (err)
		goto err_dev;
	err = register_inetaddr_notifier(&addr_inet_nb);
	if (err)
		goto err_inet;
	return 0;

err_inet:
	WRITE_ONCE(addr_off, true);
	unregister_netdevice_notifier(&addr_dev_nb);
err_dev:
	destroy_workqueue(addr_wq);
	return err;
}

/*
 * Before the namespaces' state goes: no new work once the notifiers are
 * off, and destroy_workqueue() runs what is queued (each work holds its
 * namespace, so its table, until it is done).
 */
void nfhp_addr_exit(void)
{
	WRITE_ONCE(addr_off, true);
	unregister_inetaddr_notifier(&addr_inet_nb);
	unregister_netdevice_notifier(&addr_dev_nb);
	destroy_workqueue(addr_wq);
}
