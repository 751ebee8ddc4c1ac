#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check': everything that must hold before anything lands.
#
#   deps -> build (W=1) -> checkpatch -> sparse -> CLI unit tests and fuzz
#   -> DKMS in a throwaway tree -> the selftests in QEMU on Debian's stock
#   kernel and on a debug kernel (KASAN, lockdep, kmemleak, UBSAN).
#
# The selftests do not wait for the rest: the stock kernel's VMs boot as
# soon as the module is built, while the lint and packaging checks run;
# the debug kernel builds (or is found in the cache) from the start, and
# its module and VMs follow it on their own.  Each kernel's selftests are
# split over NFHP_SHARDS VMs (default: one per core), balanced by the
# times the last run measured, and at most NFHP_VM_JOBS VMs (default: one
# per core) run at once, each emulated by one host thread (QEMU's
# tcg,thread=single): two-vCPU guests on more threads than cores spin on
# each other's locks.  Measured on 2 cores, the same debug tests in two
# VMs: 172 s so, 222 s with a thread per vCPU, 213 s in one VM.
#
# Prints one TAP line per check and per selftest, the time each stage took,
# and last `N passed, N failed, N skipped' alone on a line.  Exit status
# non-zero on any failure.
#
#   scripts/check.sh          everything
#   scripts/check.sh style    checkpatch only
#
# NFHP_SKIP_DEBUG=1 leaves out the debug kernel (quick local iterations; a
# run with it reports the debug stage as not ok, never as passed).
# NFHP_SHARDS=N: VMs per kernel; NFHP_VM_JOBS=N: VMs at once;
# NFHP_VM_TIMEOUT: seconds per VM; NFHP_ACCEL: QEMU's -accel.
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

# In a job that runs in the background (the debug kernel's), results are
# written as `@ok ...' lines for the main shell to number and count when
# it replays the job's output (replay).
bg=0

ok() {
	[ "$bg" = 1 ] && { echo "@ok $*"; return; }
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $*"
}

not_ok() {
	[ "$bg" = 1 ] && { echo "@not_ok $*"; return; }
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}

skip() {
	[ "$bg" = 1 ] && { echo "@skip $*"; return; }
	n=$((n + 1))
	skipped=$((skipped + 1))
	echo "ok $n - $* # SKIP"
}

# replay FILE: a background job's output, its results numbered and counted.
replay() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"@ok "*) ok "${line#@ok }" ;;
		"@not_ok "*) not_ok "${line#@not_ok }" ;;
		"@skip "*) skip "${line#@skip }" ;;
		*) echo "$line" ;;
		esac
	done < "$1"
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

# copy_tree NAME: a copy of the sources in build/NAME, so that the stock
# and the debug builds do not trample each other; both are copied at the
# start, so that both test the same sources.
copy_tree() {
	local out=$build/$1
	mkdir -p "$out"
	# Nothing that git ignores: the checkout's own build products
	# (nf_hairpin.mod.c, Module.symvers, ...) are the stock kernel's.
	rsync -a --delete --exclude=/.git --filter=':- .gitignore' \
		"$root/" "$out/"
}

# Build the module for one kernel in its copy, build/NAME.  W=1, and any
# compiler warning is a failure.
build_module() {
	local name=$1 kdir=$2 out=$build/$1
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

# make deb: the two packages, with what a Debian router needs in them: the
# command, its manual page, the unit and the rules file; the module's
# source with its dkms.conf, and DKMS's postinst that builds it.
deb_check() {
	local d=$root/build/deb ver f rc=0 ctl cli mod
	ver=$(cat VERSION)
	scripts/deb.sh || return 1
	cli=$(dpkg-deb -c "$d/nf-hairpin_${ver}_amd64.deb") || return 1
	mod=$(dpkg-deb -c "$d/nf-hairpin-dkms_${ver}_all.deb") || return 1
	for f in ./usr/sbin/hairpin ./usr/share/man/man8/hairpin.8.gz \
		 ./lib/systemd/system/nf_hairpin.service ./etc/nf_hairpin/rules; do
		grep -q " $f$" <<< "$cli" || { echo "nf-hairpin lacks $f"; rc=1; }
	done
	for f in dkms.conf Makefile Kbuild module/hooks.c uapi/linux/nf_hairpin.h; do
		grep -q " ./usr/src/nf_hairpin-$ver/$f$" <<< "$mod" ||
			{ echo "nf-hairpin-dkms lacks $f"; rc=1; }
	done
	ctl=$(mktemp -d)
	dpkg-deb -e "$d/nf-hairpin-dkms_${ver}_all.deb" "$ctl"
	grep -q dkms "$ctl/postinst" || { echo "no DKMS postinst"; rc=1; }
	dpkg-deb -e "$d/nf-hairpin_${ver}_amd64.deb" "$ctl/cli"
	grep -qx /etc/nf_hairpin/rules "$ctl/cli/conffiles" ||
		{ echo "rules not a conffile"; rc=1; }
	rm -rf "$ctl"
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

# shards KERNEL N: split the selftests over N VMs; prints N lines, the
# tests of each (in the Makefile's order).  Longest first, each onto the
# least loaded VM, by the time the last run of this kernel took (a test
# skipped counts 1 s, one not measured yet 60 s).
shards() {
	local kernel=$1 count=$2 t secs tests
	tests=$(tests_for "$kernel")
	for t in $tests; do
		secs=$(cat "$logs"/vm-"$kernel"-*.out 2>/dev/null |
			sed -n -e "s/^ok [0-9]* selftests: nf_hairpin: $t # \([0-9]*\)s$/\1/p" \
			       -e "s/^ok [0-9]* selftests: nf_hairpin: $t # SKIP$/1/p" |
			tail -n 1)
		echo "${secs:-60} $t"
	done | sort -k1,1nr | awk -v n="$count" '
		{ best = 0
		  for (i = 1; i < n; i++)
			if (load[i] < load[best])
				best = i
		  load[best] += $1; vm[$2] = best }
		END { for (t in vm) print vm[t], t }' > "$logs/shards-$kernel"
	for ((i = 0; i < count; i++)); do
		for t in $tests; do
			grep -qx "$i $t" "$logs/shards-$kernel" && printf '%s ' "$t"
		done
		echo
	done
}

# tests_for KERNEL: the selftests that KERNEL's VMs run: all but the
# Makefile's STOCK_ONLY on the debug kernel (those are not counted there at
# all: neither passed nor skipped; a line says so).
tests_for() {
	local t
	if [ "$1" != debug ]; then
		echo "$all_tests"
		return
	fi
	for t in $all_tests; do
		case " $stock_only " in
		*" $t "*) ;;
		*) printf '%s ' "$t" ;;
		esac
	done
	echo
}

# with_slot NAME CMD...: run CMD (a VM) once one of the vm_jobs slots is
# free (a lock file each); NAME-secs gets how long CMD ran.
with_slot() {
	local name=$1 i rc start
	shift
	while :; do
		for ((i = 1; i <= vm_jobs; i++)); do
			start=$SECONDS
			flock -n -E 75 "$logs/vm-slot-$i" "$@"
			rc=$?
			if [ "$rc" != 75 ]; then
				echo $((SECONDS - start)) > "$logs/vm-$name.secs"
				return "$rc"
			fi
		done
		sleep 1
	done
}

# vm_start KERNEL MODULE: the selftests in NFHP_SHARDS VMs, in the
# background (their subshells' pids in vm_pids).  VM i of KERNEL leaves
# build/logs/vm-KERNEL-i.{tests,out,err,klog,rc,secs}.
vm_start() {
	local kernel=$1 ko=$2 limit=1800 i=0 tests plan
	# The debug kernel under TCG is about five times slower.
	[ "$kernel" = debug ] && limit=3600
	plan=$(shards "$kernel" "$shards")	# from the last run's logs
	rm -f "$logs"/vm-"$kernel"-*
	while read -r tests; do
		i=$((i + 1))
		[ -n "$tests" ] || continue
		echo "$tests" > "$logs/vm-$kernel-$i.tests"
		(
			# shellcheck disable=SC2086
			with_slot "$kernel-$i" tools/vm/run.sh -k "$kernel" \
				-t "${NFHP_VM_TIMEOUT:-$limit}" \
				-l "$logs/vm-$kernel-$i.klog" -- \
				selftests/run_tests.sh "$ko" $tests \
				> "$logs/vm-$kernel-$i.out" 2> "$logs/vm-$kernel-$i.err"
			echo $? > "$logs/vm-$kernel-$i.rc"
		) &
		vm_pids+=($!)
	done <<< "$plan"
}

# vm_report KERNEL: re-emit the TAP lines of KERNEL's VMs as ours, one
# more line per VM for its run (exit status, kernel log), and a not ok
# for any test that a VM did not get to.
vm_report() {
	local kernel=$1 i out rc line t name
	for out in "$logs"/vm-"$kernel"-*.out; do
		[ -f "$out" ] || continue
		name=$(basename "$out" .out)
		i=${name##*-}
		rc=$(cat "$logs/$name.rc" 2>/dev/null || echo 1)
		while IFS= read -r line; do
			case "$line" in
			*": insmod"|*": rmmod")
				line="$line (VM $i)" ;;
			esac
			case "$line" in
			"ok "*" # SKIP"*)
				line=${line#ok * selftests: }
				skip "$kernel: ${line% # SKIP*}" ;;
			"ok "*)
				ok "$kernel: ${line#ok * selftests: }" ;;
			"not ok "*)
				grep -B40 -F "${line% (VM *}" "$out" | grep '^#' | tail -n 40
				not_ok "$kernel: ${line#not ok * selftests: }" ;;
			esac
		done < "$out"
		for t in $(cat "$logs/$name.tests"); do
			grep -Eq "^(not )?ok [0-9]+ selftests: nf_hairpin: $t( |$)" "$out" ||
				not_ok "$kernel: nf_hairpin: $t did not run (VM $i)"
		done
		if [ "$rc" = 0 ]; then
			ok "$kernel: VM $i ran $(wc -w < "$logs/$name.tests") tests in $(cat "$logs/$name.secs")s, kernel log clean"
		else
			sed 's/^/# /' "$logs/$name.err"
			tail -n 20 "$out" | sed 's/^/# /'
			not_ok "$kernel: VM $i run (exit $rc, kernel log build/logs/$name.klog)"
		fi
	done
}

# The debug kernel's part, in the background from the start: wait for the
# kernel, build the module against it, run its VMs.  Its output is
# replayed (replay) at the end.
debug_pass() {
	local kdir
	bg=1
	stage_start=$SECONDS
	if ! tools/vm/build-kernel.sh > "$logs/debug-kernel.path" \
		2> "$logs/debug-kernel.log"; then
		tail -n 30 "$logs/debug-kernel.log" | sed 's/^/# /'
		not_ok "debug-kernel (log build/logs/debug-kernel.log)"
		return
	fi
	kdir=$(tail -n 1 "$logs/debug-kernel.path")
	ok "debug-kernel ($kdir)"
	stage debug-kernel
	# Wait for the stock build, the CLI and the selftests' programs (the
	# VMs use them; and two compilers at once only slow both down).
	while [ ! -e "$logs/build.done" ]; do sleep 1; done
	run build-debug build_module debug "$kdir" || return
	stage build-debug
	vm_pids=()
	vm_start debug "$build/debug/nf_hairpin.ko"
	[ -z "$stock_only" ] || echo "# debug: not run there (STOCK_ONLY): $stock_only"
	wait "${vm_pids[@]}"
	stage vm-debug
	vm_report debug
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

vm_jobs=${NFHP_VM_JOBS:-$(nproc)}
shards=${NFHP_SHARDS:-$vm_jobs}
export NFHP_ACCEL=${NFHP_ACCEL:-tcg,thread=single}
all_tests=$(make -s -C selftests --no-print-directory print-tests)
stock_only=$(make -s -C selftests --no-print-directory print-stock-only)
copy_tree stock
[ "${NFHP_SKIP_DEBUG:-0}" = 1 ] || copy_tree debug
rm -f "$logs/build.done"

# The debug kernel takes ~10 minutes to build the first time: start it now,
# and everything after it (module, VMs) in the background too.
if [ "${NFHP_SKIP_DEBUG:-0}" != 1 ]; then
	debug_pass > "$logs/debug-pass.tap" 2>&1 &
	debug_pid=$!
fi

run build-stock build_module stock "$(stock_kdir)"
run build-cli make -C "$root" cli
run build-selftests make -C selftests all
# Before the VMs: deb_install.sh installs these packages in the stock one.
run deb deb_check
touch "$logs/build.done"
stage build

# The stock kernel's selftests start now, beside everything that follows.
vm_pids=()
vm_start stock "$build/stock/nf_hairpin.ko"
stock_t0=$SECONDS

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

wait "${vm_pids[@]}"
echo "# stage 'vm-stock' took $((SECONDS - stock_t0))s from the end of the build"
stage_start=$SECONDS
vm_report stock
if [ "${NFHP_SKIP_DEBUG:-0}" != 1 ]; then
	wait "$debug_pid"
	replay "$logs/debug-pass.tap"
	stage "debug pass, after the stock one"
else
	not_ok "debug kernel left out (NFHP_SKIP_DEBUG=1)"
fi

echo "# total $((SECONDS - t0))s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
