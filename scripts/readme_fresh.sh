#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make readme-fresh': README's "On a real router" commands, as written
# there, in a freshly debootstrap'ed Debian 12 (chroot, minbase): the
# package list is complete, `make deb' works from a clone, and installing
# the packages has DKMS build the module for the headers' kernel.  The
# lines that need a booted system (editor, systemctl, hairpin explain) are
# left to selftests/deb_install.sh, which runs them under systemd in the
# test VM.  Needs Debian's archive; not part of `make check'.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build/readme-fresh}
chr=$dir/root
mirror=${NFHP_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" = 0 ] || { echo "readme-fresh: run as root" >&2; exit 1; }
command -v debootstrap > /dev/null ||
	{ echo "readme-fresh: needs debootstrap" >&2; exit 1; }
git -C "$root" rev-parse --verify -q HEAD > /dev/null ||
	{ echo "readme-fresh: needs a git clone (README's route)" >&2; exit 1; }

# The indented block after "On Debian 12, from a fresh install": the
# backslash-continued lines joined, comments dropped.
cmds=$(sed -n '/^On Debian 12, from a fresh install/,/^[^ ]/{/^    /p}' \
	"$root/README.md" | sed 's/^    //; s/[[:space:]]#.*$//; /^[[:space:]]*$/d' |
	sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*//; ta')
[ -n "$cmds" ] || { echo "readme-fresh: no command block in README.md" >&2; exit 1; }

cleanup() { umount -R -l "$chr/proc" "$chr/sys" "$chr/dev" 2>/dev/null || :; }
trap cleanup EXIT
cleanup
rm -rf "$dir"
mkdir -p "$dir"
start=$SECONDS
debootstrap --variant=minbase bookworm "$chr" "$mirror" > "$dir/debootstrap.log" 2>&1 ||
	{ tail -n 20 "$dir/debootstrap.log"; exit 1; }
echo "readme-fresh: debootstrap $((SECONDS - start))s"
mount -t proc proc "$chr/proc"
mount -t sysfs sys "$chr/sys"
mount --rbind /dev "$chr/dev"
cp /etc/resolv.conf "$chr/etc/" 2>/dev/null || :

{
	echo 'set -ex'
	echo 'export DEBIAN_FRONTEND=noninteractive'
	echo 'apt-get update'
	printf '%s\n' "$cmds" | while IFS= read -r line; do
		case "$line" in
		git\ clone*)	# the clone is made from outside (no network path in)
			echo "${line#*&& }" ;;
		editor*|systemctl*|hairpin\ explain*)
			echo ": not in a chroot: $line" ;;
		*)	echo "$line" ;;
		esac
	done
	echo 'dkms status nf_hairpin'
	echo 'ls /lib/modules/*/updates/dkms/nf_hairpin.ko'
	echo 'hairpin --version'
} > "$chr/root/readme.sh"
git clone -q "$root" "$chr/nf_hairpin"
sed -i '1a cd /' "$chr/root/readme.sh"
start=$SECONDS
if ! chroot "$chr" bash /root/readme.sh > "$dir/readme.log" 2>&1; then
	tail -n 30 "$dir/readme.log"
	echo "readme-fresh: FAILED after $((SECONDS - start))s (log: $dir/readme.log)"
	exit 1
fi
grep -E '^\+ |Installing to|: installed$' "$dir/readme.log" | grep -v '^+ echo' | tail -n 20
echo "readme-fresh: README's commands passed in $((SECONDS - start))s"
