#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check': everything that must hold before anything lands.
#
#   deps -> build (W=1) -> checkpatch -> sparse -> CLI unit tests and fuzz
#   -> DKMS in a throwaway tree -> the selftests in QEMU on Debian's stock
#   kernel and on a debug kernel (KASAN, lockdep, kmemleak, UBSAN).
#
# Prints one TAP line per check and per selftest, the time each stage took,
# and last `N passed, N failed' alone on a line.  Exit status non-zero on
# any failure.
#
#   scripts/check.sh          everything
#   scripts/check.sh style    checkpatch only
#
# NFHP_SKIP_DEBUG=1 leaves out the debug kernel (quick local iterations; a
# run with it reports the debug stage as not ok, never as passed).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=$root/build
logs=$build/logs
mkdir -p "$logs"

n=0
passed=0
failed=0
skipped=0
t0=$SECONDS

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}

skip() {
	n=$((n + 1))
	skipped=$((skipped + 1))
	echo "ok $n - $* # SKIP"
}

# run NAME CMD...: one TAP line for CMD, its output in build/logs/NAME.log,
# shown (the tail) when it fails.
run() {
	local name=$1 start=$SECONDS rc
	shift
	"$@" > "$logs/$name.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		ok "$name ($((SECONDS - start))s)"
	elif [ "$rc" = 4 ]; then
		skip "$name: $(tail -n 1 "$logs/$name.log")"
	else
		tail -n 30 "$logs/$name.log" | sed 's/^/# /'
		not_ok "$name (exit $rc, log build/logs/$name.log)"
	fi
	return "$rc"
}

stage_start=$SECONDS
stage() {
	echo "# stage '$1' took $((SECONDS - stage_start))s"
	stage_start=$SECONDS
}

stock_kdir() {
	ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1
}

# Build the module for one kernel in build/NAME: a copy of the sources, so
# that the stock and the debug builds do not trample each other.  W=1, and
# any compiler warning is a failure.
build_module() {
	local name=$1 kdir=$2 out=$build/$1
	mkdir -p "$out"
	rsync -a --delete --exclude=/build --exclude=/.git --exclude='*.ko' \
		--exclude='*.o' --exclude='.*.cmd' "$root/" "$out/" || return 1
	make -C "$out" KDIR="$kdir" module W=1 > "$out/build.log" 2>&1
	local rc=$?
	cat "$out/build.log"
	[ "$rc" = 0 ] || return "$rc"
	if grep -E 'warning:|error:' "$out/build.log"; then
		echo "compiler warnings: failing"
		return 1
	fi
	test -f "$out/nf_hairpin.ko"
}

checkpatch() {
	local src cp_opts
	src=$(tools/vm/build-kernel.sh --source) || return 1
	cp_opts=(--no-tree --terse --show-types --max-line-length=100
		 --ignore=FILE_PATH_CHANGES,SPDX_LICENSE_TAG)
	if [ -f /usr/lib/python3/dist-packages/codespell_lib/data/dictionary.txt ]; then
		cp_opts+=(--codespell --codespellfile
			  /usr/lib/python3/dist-packages/codespell_lib/data/dictionary.txt)
	fi
	# --no-tree cannot resolve kernel-relative paths; SPDX tags are
	# checked by the grep below instead.
	perl "$src/scripts/checkpatch.pl" "${cp_opts[@]}" -f \
		module/*.c module/*.h uapi/linux/*.h > "$logs/checkpatch.out" 2>&1
	cat "$logs/checkpatch.out"
	if grep -qE '(ERROR|WARNING|CHECK):' "$logs/checkpatch.out"; then
		return 1
	fi
	for f in module/*.[ch] uapi/linux/*.h; do
		head -n 1 "$f" | grep -q 'SPDX-License-Identifier' ||
			{ echo "$f: no SPDX line"; return 1; }
	done
}

sparse_check() {
	local out=$build/stock
	# C=2 checks every file whether or not it needs rebuilding.
	make -C "$out" KDIR="$(stock_kdir)" sparse 2>&1 | tee "$logs/sparse.out"
	[ "${PIPESTATUS[0]}" = 0 ] || return 1
	# sparse prints "file:line:col: warning: ..." / "error: ...".
	if grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error)' "$logs/sparse.out"; then
		return 1
	fi
}

dkms_check() {
	local kdir kver tmp ver rc
	kdir=$(stock_kdir)
	kver=$(basename "$(dirname "$kdir")")
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
	[ "$ver" = "$(cat VERSION)" ] || { echo "dkms.conf $ver != VERSION $(cat VERSION)"; return 1; }
	tmp=$(mktemp -d)
	mkdir -p "$tmp/src" "$tmp/tree" "$tmp/install"
	rsync -a --exclude=/build --exclude=/.git --exclude='*.ko' --exclude='*.o' \
		"$root/" "$tmp/src/nf_hairpin-$ver/"
	dkms add --sourcetree "$tmp/src" --dkmstree "$tmp/tree" \
		"$tmp/src/nf_hairpin-$ver" &&
	dkms build --sourcetree "$tmp/src" --dkmstree "$tmp/tree" \
		-m nf_hairpin -v "$ver" -k "$kver" &&
	find "$tmp/tree" -name 'nf_hairpin.ko*' | grep -q .
	rc=$?
	find "$tmp/tree" -name 'nf_hairpin.ko*'
	rm -rf "$tmp"
	return "$rc"
}

# make install into a DESTDIR: module under updates/ with depmod's index,
# the CLI and its man page under /usr/local.
install_check() {
	local tmp kver rc=0 f
	tmp=$(mktemp -d)
	kver=$(basename "$(dirname "$(stock_kdir)")")
	make -C "$build/stock" KDIR="$(stock_kdir)" install DESTDIR="$tmp" || rc=1
	for f in "lib/modules/$kver/updates/nf_hairpin.ko" \
		 "lib/modules/$kver/modules.dep" usr/local/sbin/hairpin \
		 usr/local/share/man/man8/hairpin.8; do
		[ -e "$tmp/$f" ] || { echo "make install did not install $f"; rc=1; }
	done
	grep -q 'updates/nf_hairpin.ko' "$tmp/lib/modules/$kver/modules.dep" ||
		{ echo "depmod did not index the module"; rc=1; }
	rm -rf "$tmp"
	return "$rc"
}

# vm_start KERNEL MODULE: run every selftest in a VM, in the background.
vm_start() {
	local kernel=$1 ko=$2 limit=2400
	# The debug kernel under TCG is about five times slower.
	[ "$kernel" = debug ] && limit=4800
	(
		tools/vm/run.sh -k "$kernel" -t "${NFHP_VM_TIMEOUT:-$limit}" \
			-l "$logs/vm-$kernel.klog" -- selftests/run_tests.sh "$ko" \
			> "$logs/vm-$kernel.out" 2> "$logs/vm-$kernel.err"
		echo $? > "$logs/vm-$kernel.rc"
	) &
	vm_pids+=($!)
}

# vm_report KERNEL: re-emit the VM's TAP lines as ours.
vm_report() {
	local kernel=$1 out=$logs/vm-$1.out rc line
	rc=$(cat "$logs/vm-$kernel.rc" 2>/dev/null || echo 1)
	while IFS= read -r line; do
		case "$line" in
		"ok "*" # SKIP"*)
			skip "$kernel: ${line#ok * selftests: }" ;;
		"ok "*)
			ok "$kernel: ${line#ok * selftests: }" ;;
		"not ok "*)
			grep -B40 -F "$line" "$out" | grep '^#' | tail -n 40
			not_ok "$kernel: ${line#not ok * selftests: }" ;;
		esac
	done < "$out"
	if [ "$rc" = 0 ]; then
		ok "$kernel: VM run, kernel log clean"
	else
		sed 's/^/# /' "$logs/vm-$kernel.err"
		tail -n 20 "$out" | sed 's/^/# /'
		not_ok "$kernel: VM run (exit $rc, kernel log build/logs/vm-$kernel.klog)"
	fi
}

if [ "${1:-}" = style ]; then
	run checkpatch checkpatch
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
fi

echo "TAP version 13"
run deps scripts/deps.sh
stage deps

# The debug kernel takes ~10 minutes to build the first time: start it now,
# in parallel with everything up to the stock VM run.
kbuild_pid=
if [ "${NFHP_SKIP_DEBUG:-0}" != 1 ]; then
	tools/vm/build-kernel.sh > "$logs/debug-kernel.path" 2> "$logs/debug-kernel.log" &
	kbuild_pid=$!
fi

run build-stock build_module stock "$(stock_kdir)"
run build-cli make -C "$root" cli
run build-selftests make -C selftests all
stage build

run checkpatch checkpatch
run sparse sparse_check
run ynl-spec python3 scripts/ynl_check.py
stage lint

run cli-unit-tests make -C tools/hairpin test
run cli-fuzz tools/hairpin/run-fuzz.sh
stage cli-tests

run dkms dkms_check
run install install_check
stage install

# Both VMs run side by side: much of a selftest's time is spent waiting
# for a timeout that proves a connection fails, not computing.
vm_pids=()
rm -f "$logs"/vm-*.rc
vm_start stock "$build/stock/nf_hairpin.ko"
debug_ok=0
if [ -n "$kbuild_pid" ]; then
	if wait "$kbuild_pid"; then
		ok "debug-kernel ($(tail -n 1 "$logs/debug-kernel.path"))"
		kdir=$(tail -n 1 "$logs/debug-kernel.path")
		stage debug-kernel
		if run build-debug build_module debug "$kdir"; then
			vm_start debug "$build/debug/nf_hairpin.ko"
			debug_ok=1
		fi
	else
		tail -n 30 "$logs/debug-kernel.log" | sed 's/^/# /'
		not_ok "debug-kernel (log build/logs/debug-kernel.log)"
	fi
else
	not_ok "debug kernel left out (NFHP_SKIP_DEBUG=1)"
fi
wait "${vm_pids[@]}"
vm_report stock
[ "$debug_ok" = 1 ] && vm_report debug
stage vm

echo "# total $((SECONDS - t0))s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
