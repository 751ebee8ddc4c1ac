#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install from Debian's archive whatever building and testing nf_hairpin
# needs and is missing.  As non-root, print the one apt-get line instead.
set -euo pipefail

pkgs=(
	# the module, against Debian's 6.1 kernel; the kernel the VM boots
	build-essential linux-headers-amd64 linux-image-amd64 kmod dkms
	# checkpatch.pl, the kselftest headers and the debug kernel's source
	linux-source-6.1 bc bison flex libelf-dev libssl-dev cpio xz-utils
	# make deb
	debhelper dh-dkms dpkg-dev
	# deb_install.sh: the packages' systemd, booted in a container
	systemd systemd-container
	perl codespell sparse python3-yaml
	# the VM runner
	qemu-system-x86 busybox-static
	# the CLI and its tests
	libmnl-dev libjansson-dev pkg-config clang libclang-rt-14-dev llvm
	# what the selftests use inside the VM
	iproute2 iputils-ping nftables iptables socat python3 util-linux
	procps tcpdump rsync jq conntrack
	# the RFC 5780 client and STUN server of rfc4787_stun.sh
	coturn
)

missing=()
for p in "${pkgs[@]}"; do
	case "$p" in \#*) continue ;; esac
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "deps: everything is installed"
	exit 0
fi

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing: ${missing[*]}" >&2
	echo "deps: run as root:  apt-get update && $line" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be absent on a fresh machine, or stale.
apt-get update -q >/dev/null
$line -q
