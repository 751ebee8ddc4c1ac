#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb': the Debian packages nf-hairpin-dkms (the module's source for
# DKMS) and nf-hairpin (the command, its manual page, nf_hairpin.service
# and /etc/nf_hairpin/rules), built with Debian's dh from a copy of the
# tree in build/deb/, where the .deb files land.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/deb
ver=$(cat "$root/VERSION")
src=$out/nf-hairpin-$ver
rm -rf "$out"
mkdir -p "$src"
# Nothing that git ignores (build products), nor the build directory.
# A clone has git (README's route); an unpacked tarball may have rsync.
if git -C "$root" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	(cd "$root" && git ls-files -z --cached --others --exclude-standard |
	 while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"
	 done | tar --null -T - -cf -) | tar -xf - -C "$src"
elif command -v rsync > /dev/null; then
	rsync -a --exclude=/.git --exclude=/build --filter=':- .gitignore' \
		"$root/" "$src/"
else
	echo "make deb: needs git (a clone) or rsync to copy the tree" >&2
	exit 1
fi
cd "$src"
dpkg-buildpackage -b -us -uc --no-sign > "$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log"; exit 1; }
ls "$out"/*.deb
