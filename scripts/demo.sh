#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo': the example of MikroTik's "Hairpin NAT" documentation page,
# told by nf_hairpin inside a throwaway VM: the router forwards 1.1.1.1:80
# to the web server 192.168.1.2.  From the Internet it works; from the
# server's own LAN it fails while reflection is off, exactly as the page's
# step table shows; with reflection on it works, and `hairpin conn list'
# shows each connection's original and reply tuples.  The same scenario is
# selftests/hairpin_same_subnet.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

cat <<'TXT'
nf_hairpin demo: MikroTik's "Hairpin NAT" example

      Internet host 2.2.2.2
              |
         WAN 1.1.1.1
          [ router ]   hairpin dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
         LAN 192.168.1.1/24 (bridge)
          /          \
  client 192.168.1.10   web server 192.168.1.2:80

 1. the Internet host connects to 1.1.1.1:80: works, the server sees 2.2.2.2
 2. `noreflect': the LAN client connects to 1.1.1.1:80 and gets no answer
    (the server answers it directly from 192.168.1.2, and it drops that)
 3. reflection on (the default): it works, the server sees 192.168.1.1

Building the module and the CLI, then booting a VM (about 30 s)...
TXT
scripts/deps.sh > /dev/null
make -s module cli > /dev/null
exec tools/vm/run.sh -t 300 -- bash scripts/demo-guest.sh "$PWD/nf_hairpin.ko"
