#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module registers per-namespace state: namespaces come and go while it
# is loaded, and it unloads and reloads cleanly with namespaces alive.
#
#   [ns a] [ns b] [ns c] ... created and destroyed around rmmod/insmod
. "$(dirname "$0")/lib.sh"

check "module is loaded" module_loaded
check "version is exported" test -s /sys/module/nf_hairpin/version

for i in 1 2 3; do
	ns_add "a$i" "b$i"
done
ns_cleanup

ns_add live
check "rmmod with a namespace alive" rmmod nf_hairpin
check_fails "module is gone" module_loaded
check "insmod again" insmod "$NFHP_KO"
ns_add after
check "namespace created after reload" ip netns exec "${pfx}after" true
ns_cleanup
check "kernel log mentions the load" sh -c 'dmesg | grep -q "nf_hairpin: version"'
exit $ksft_pass
