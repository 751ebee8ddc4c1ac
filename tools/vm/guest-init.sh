#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the nf_hairpin test VM after switch_root: set up the usual
# pseudo file systems, run /run/nfhp/cmd with its output on the second serial
# port, save the exit status and the kernel log to the output share, power
# off.  On the debug kernel, kmemleak is scanned after the command.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8 TERM=dumb NFHP_VM=1
out=/run/nfhp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /run/netns /tmp/var
ln -sf /proc/self/fd /dev/fd
hostname nfhp-vm
ip link set lo up

exec 1>/dev/ttyS1 2>&1
stty -F /dev/ttyS1 -onlcr 2>/dev/null

set -a
. "$out/env"
set +a
# Forget whatever boot itself left unreferenced: only what the command
# leaks counts.
[ -w /sys/kernel/debug/kmemleak ] && echo clear > /sys/kernel/debug/kmemleak
echo "nf_hairpin-vm: start $(uname -r)" > /dev/kmsg
cd "$NFHP_REPO" || exit 1
bash "$out/cmd"
rc=$?
echo "nf_hairpin-vm: command exited $rc" > /dev/kmsg

if [ -w /sys/kernel/debug/kmemleak ]; then
	# Objects younger than 5 s are never reported.  A scan takes most of a
	# minute under TCG with KASAN: scan once, and only when that finds
	# something scan again to let transient false positives go, as the
	# kmemleak documentation advises.
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	# (debugfs files have no size: -s cannot tell, grep can.)
	if grep -q . /sys/kernel/debug/kmemleak; then
		sleep 1
		echo scan > /sys/kernel/debug/kmemleak
	fi
	cat /sys/kernel/debug/kmemleak > "$out/kmemleak"
	if [ -s "$out/kmemleak" ]; then
		# (the runner prints the report from the output share)
		echo "nf_hairpin-vm: kmemleak reports leaks" > /dev/kmsg
	fi
fi
echo "nf_hairpin-vm: done" > /dev/kmsg
dmesg > "$out/dmesg"
echo "$rc" > "$out/rc"
sync
echo o > /proc/sysrq-trigger
# Power-off tears the 9p root down under us: wait without exec'ing anything
# (a failing exec here would make init exit and panic).
while :; do :; done
