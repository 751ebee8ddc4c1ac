#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every selftest in TEST_PROGS (from the Makefile) against a freshly
# loaded nf_hairpin.ko, as root, and print KTAP: one line per test, then
# `N passed, N failed, N skipped'.  Used inside the test VM by
# scripts/check.sh, usable on any machine that can load the module.
#
#   selftests/run_tests.sh MODULE.ko [TEST...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
ko=$1
shift
if [ "$#" -gt 0 ]; then
	tests=("$@")
else
	read -r -a tests < <(make -s -C "$here" --no-print-directory print-tests)
fi
timeout=$(sed -n 's/^timeout=//p' "$here/settings")
# The debug kernel under TCG is several times slower.
[ "${NFHP_KERNEL:-}" = debug ] && timeout=$((timeout * 2))

export NFHP_KO=$ko
pass=0
failed=0
skipped=0
echo "TAP version 13"
echo "1..$((${#tests[@]} + 2))"

num=1
# insmod does not load dependencies: IPv4 defrag, and nf_nat (with
# nf_conntrack) whose entries we keep in step with ours.
modprobe -q nf_defrag_ipv4 2>/dev/null
modprobe -q nf_nat 2>/dev/null
if insmod "$ko"; then
	echo "ok $num selftests: nf_hairpin: insmod"
	pass=$((pass + 1))
else
	echo "not ok $num selftests: nf_hairpin: insmod"
	failed=$((failed + 1))
fi

for t in "${tests[@]}"; do
	num=$((num + 1))
	start=$SECONDS
	# A test may need longer than settings' timeout: `# nfhp-timeout=N'.
	t_timeout=$(sed -n 's/^# nfhp-timeout=\([0-9]*\)$/\1/p' "$here/$t")
	t_timeout=${t_timeout:-$timeout}
	[ "${NFHP_KERNEL:-}" = debug ] && [ "$t_timeout" != "$timeout" ] &&
		t_timeout=$((t_timeout * 2))
	timeout -k 5 "$t_timeout" "$here/$t" > /tmp/nfhp-test.out 2>&1
	rc=$?
	sed 's/^/# /; s/^# # /# /' /tmp/nfhp-test.out
	took=$((SECONDS - start))
	case "$rc" in
	0) echo "ok $num selftests: nf_hairpin: $t # ${took}s"; pass=$((pass + 1)) ;;
	4) echo "ok $num selftests: nf_hairpin: $t # SKIP"; skipped=$((skipped + 1)) ;;
	124) echo "not ok $num selftests: nf_hairpin: $t # TIMEOUT ${t_timeout}s"; failed=$((failed + 1)) ;;
	*) echo "not ok $num selftests: nf_hairpin: $t # exit=$rc"; failed=$((failed + 1)) ;;
	esac
done

num=$((num + 1))
if rmmod nf_hairpin && [ ! -d /sys/module/nf_hairpin ]; then
	echo "ok $num selftests: nf_hairpin: rmmod"
	pass=$((pass + 1))
else
	echo "not ok $num selftests: nf_hairpin: rmmod"
	failed=$((failed + 1))
fi
echo "# $pass passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
