#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug test kernel from Debian's linux-source-6.1, once, into a
# cache outside the repository keyed by the hash of the config fragments and
# the source package version.  Prints the build directory on stdout (the last
# line); everything else goes to stderr.
#
#   tools/vm/build-kernel.sh            build (or reuse) the debug kernel
#   tools/vm/build-kernel.sh --source   only extract the source; print its path
#
# Environment: NFHP_CACHE (default ~/.cache/nf_hairpin), JOBS (default nproc).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${NFHP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nf_hairpin}
jobs=${JOBS:-$(nproc)}
tarball=/usr/src/linux-source-6.1.tar.xz

log() { echo "build-kernel: $*" >&2; }

[ -r "$tarball" ] || { log "$tarball missing: run 'make deps'"; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( (echo "$srcver"; cat "$here/kconfig/base.config" "$here/kconfig/debug.config") |
	sha256sum | cut -c1-16)
src=$cache/linux-source-$srcver
out=$cache/kernel-$key

extract() {
	[ -f "$src/.nfhp-extracted" ] && return
	log "extracting $tarball"
	mkdir -p "$cache"
	rm -rf "$src" "$src.tmp.$$"
	mkdir -p "$src.tmp.$$"
	tar -C "$src.tmp.$$" --strip-components=1 -xf "$tarball"
	touch "$src.tmp.$$/.nfhp-extracted"
	mv "$src.tmp.$$" "$src"
}

if [ "${1:-}" = --source ]; then
	extract
	echo "$src"
	exit 0
fi

if [ -f "$out/.nfhp-built" ]; then
	log "cached debug kernel $out"
	echo "$out"
	exit 0
fi

extract

rm -rf "$out"
mkdir -p "$out"
log "configuring $out (allnoconfig + base.config + debug.config)"
make -s -C "$src" O="$out" allnoconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"$here/kconfig/base.config" "$here/kconfig/debug.config" >&2
make -s -C "$src" O="$out" olddefconfig >&2

# Every symbol a fragment asks for must have survived olddefconfig: a
# silently dropped KASAN would make the debug run worthless.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) ;;
	*) continue ;;
	esac
	sym=${line%%=*}
	val=${line#*=}
	if [ "$val" = n ]; then
		if grep -q "^$sym=" "$out/.config"; then
			log "wanted $sym=n, got $(grep "^$sym=" "$out/.config")"
			missing=1
		fi
	elif ! grep -qx "$line" "$out/.config"; then
		log "wanted $line, got: $(grep "^$sym=\|^# $sym " "$out/.config" || echo unset)"
		missing=1
	fi
done < <(cat "$here/kconfig/base.config" "$here/kconfig/debug.config")
[ "$missing" = 0 ] || { log "config fragment not satisfied"; exit 1; }

log "building with $jobs jobs (about 10 minutes on 2 cores)"
make -s -C "$src" O="$out" -j"$jobs" all >&2
touch "$out/.nfhp-built"
log "built $out"
echo "$out"
