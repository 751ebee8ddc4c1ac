#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run one command as root inside a throwaway QEMU guest that boots a real
# kernel on the host's root file system (shared read-only over virtio-9p).
#
#   tools/vm/run.sh [-k stock|debug|PATH] [-l KLOG] [-m MIB] [-t SECONDS] -- CMD...
#
#   -k  stock: Debian's linux-image-amd64 (the default); debug: the kernel
#       tools/vm/build-kernel.sh builds (KASAN, lockdep, kmemleak, ...);
#       or a kernel build directory.
#   -l  where to save the guest's kernel log (default: a file in $TMPDIR,
#       printed at the end).
#   -m  the guest's RAM in MiB (default 1536 stock, 2048 debug; `make
#       bench' fills tables of a million connections).
#   -t  outer timeout in seconds (default 900).
#
# NFHP_ACCEL sets QEMU's -accel (default tcg: one host thread per vCPU,
# fastest for one VM alone).  scripts/check.sh runs several VMs at once
# with tcg,thread=single, one host thread per VM, so that no more threads
# spin than there are cores.  NFHP_ACCEL=kvm where the host has KVM.
#
# Inside the guest: /tmp and /run are tmpfs, the checkout is at its host
# path, the command runs in it as root with bash.  The exit status is the
# command's; it is non-zero also when the guest panics, oopses, WARNs (the
# kernel runs with panic_on_warn and oops=panic), hangs past the timeout,
# or its kernel log shows a lockdep, RCU, KASAN, UBSAN or kmemleak report.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${NFHP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nf_hairpin}
kernel=stock
klog=
timeout=900
memory=

usage() { sed -n '/^#  /,/^$/p' "$0" >&2; exit 2; }
while getopts "k:l:m:t:h" opt; do
	case "$opt" in
	k) kernel=$OPTARG ;;
	l) klog=$OPTARG ;;
	m) memory=$OPTARG ;;
	t) timeout=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ "$#" -gt 0 ] || usage

log() { echo "vm: $*" >&2; }

case "$repo" in
*[[:space:]]*) log "checkout path must not contain white space: $repo"; exit 2 ;;
esac

# Resolve the kernel image and the modules its initramfs must load.
modules=()
case "$kernel" in
stock)
	kver=$(cd /boot && ls vmlinuz-*-amd64 2>/dev/null | sed 's/^vmlinuz-//' | sort -V | tail -1)
	[ -n "$kver" ] || { log "no /boot/vmlinuz-*-amd64: run 'make deps'"; exit 1; }
	image=/boot/vmlinuz-$kver
	modules=(9pnet_virtio 9p virtio_pci)
	mem=1536
	;;
debug)
	kdir=$("$here/build-kernel.sh")
	image=$kdir/arch/x86/boot/bzImage
	kver=$(cat "$kdir/include/config/kernel.release")
	mem=2048
	;;
*)
	image=$kernel/arch/x86/boot/bzImage
	kver=$(cat "$kernel/include/config/kernel.release")
	mem=2048
	;;
esac

[ -n "$memory" ] && mem=$memory

# Build (once per kernel) an initramfs of busybox plus the modules, in
# dependency order as modules.dep gives it.
initrd=$cache/initramfs-$kver-$(sha256sum "$here/initramfs-init" | cut -c1-12).cpio.gz
if [ ! -f "$initrd" ]; then
	mkdir -p "$cache"
	stage=$(mktemp -d)
	mkdir -p "$stage/bin" "$stage/modules"
	cp /bin/busybox "$stage/bin/busybox"
	cp "$here/initramfs-init" "$stage/init"
	if [ "${#modules[@]}" -gt 0 ]; then
		mdir=/lib/modules/$kver
		order=()
		add() {
			local path=$1 dep
			for dep in $(grep "^$path:" "$mdir/modules.dep" | cut -d: -f2); do
				add "$dep"
			done
			case " ${order[*]} " in *" $path "*) ;; *) order+=("$path") ;; esac
		}
		for m in "${modules[@]}"; do
			add "$(modinfo -k "$kver" -F filename "$m" | sed "s|^$mdir/||")"
		done
		for path in "${order[@]}"; do
			name=$(basename "$path")
			case "$name" in
			*.xz) xz -dc "$mdir/$path" > "$stage/modules/${name%.xz}"; name=${name%.xz} ;;
			*.zst) zstd -qdc "$mdir/$path" > "$stage/modules/${name%.zst}"; name=${name%.zst} ;;
			*) cp "$mdir/$path" "$stage/modules/$name" ;;
			esac
			echo "$name" >> "$stage/modules.order"
		done
	fi
	(cd "$stage" && find . | cpio --quiet -o -H newc | gzip -1) > "$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$stage"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/nfhp-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
[ -n "$klog" ] || klog=$(mktemp "${TMPDIR:-/tmp}/nfhp-klog.XXXXXX")
: > "$klog"
printf 'NFHP_REPO=%q\nNFHP_KERNEL=%q\n' "$repo" "$kernel" > "$work/env"
printf '%q ' "$@" > "$work/cmd"
echo >> "$work/cmd"

accel=${NFHP_ACCEL:-tcg}
cpu=max
case "$accel" in
tcg*) ;;
*) cpu=host ;;
esac
log "booting $kver ($kernel) with $accel, timeout ${timeout}s, kernel log $klog"
start=$SECONDS
set +e
timeout -k 5 "$timeout" qemu-system-x86_64 \
	-machine q35 -accel "$accel" -cpu "$cpu" -smp 2 -m "$mem" \
	-nodefaults -display none -monitor none -no-reboot \
	-kernel "$image" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1 nokaslr nfhp.repo=$repo" \
	-serial "file:$klog" -chardev stdio,id=out,signal=off -serial chardev:out \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=root \
	-fsdev local,id=repo,path="$repo",security_model=none,readonly=on \
	-device virtio-9p-pci,fsdev=repo,mount_tag=nfhprepo \
	-fsdev local,id=out,path="$work",security_model=none \
	-device virtio-9p-pci,fsdev=out,mount_tag=nfhpout \
	< /dev/null
qrc=$?
set -e
elapsed=$((SECONDS - start))

fail=0
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	log "FAIL: guest did not finish within ${timeout}s"
	fail=1
fi
if [ -f "$work/rc" ]; then
	rc=$(cat "$work/rc")
else
	log "FAIL: guest ended without an exit status (panic, oops or WARN?)"
	rc=1
	fail=1
fi
# Scan what the kernel printed while the command ran, up to the kmemleak
# scan.  Boot messages before the start marker are the distribution's
# business, and power-off after the done marker is the runner's.
bad='WARNING:|BUG:|Oops|Kernel panic|KASAN|UBSAN|unreferenced object|suspicious RCU|circular locking|inconsistent lock|lock held|general protection|Call Trace|kmemleak reports|blocked for more than|soft lockup|refcount_t'
if sed -n '/nf_hairpin-vm: start/,/nf_hairpin-vm: done/p' "$klog" |
	grep -E "$bad" > "$work/bad"; then
	log "FAIL: the guest's kernel log has reports:"
	sed 's/^/vm:   /' "$work/bad" | head -40 >&2
	fail=1
fi
if [ -s "$work/kmemleak" ]; then
	log "FAIL: kmemleak:"
	head -40 "$work/kmemleak" | sed 's/^/vm:   /' >&2
	fail=1
fi
if ! grep -q 'nf_hairpin-vm: start' "$klog" && [ "$fail" = 0 ]; then
	log "FAIL: the guest never started the command"
	fail=1
fi
log "guest exited $rc after ${elapsed}s; kernel log in $klog"
[ "$fail" = 0 ] || exit 1
exit "$rc"
