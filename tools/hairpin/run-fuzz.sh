#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Builds fuzz-parse and runs it briefly over a seed corpus.  Exits 4 (skip,
# as kselftest's ksft_skip) when clang's libFuzzer is not available, 1 on a
# crash, 0 otherwise.
set -eu
cd "$(dirname "$0")"
FUZZ_CC=${FUZZ_CC:-clang}
FUZZ_TIME=${FUZZ_TIME:-20}
FUZZ_RUNS=${FUZZ_RUNS:-2000000}
MAKE=${MAKE:-make}

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)
{ (void)d; (void)n; return 0; }' > "$t/f.c"
if ! "$FUZZ_CC" -fsanitize=fuzzer -o "$t/f" "$t/f.c" 2>/dev/null; then
	echo "fuzz-run: SKIP: $FUZZ_CC with libFuzzer is not available" \
	     "(apt-get install clang libclang-rt-14-dev)"
	exit 4
fi

$MAKE --no-print-directory fuzz-parse FUZZ_CC="$FUZZ_CC"

# The first byte picks the input kind: '0' a command line, '1' a restore file.
rm -rf fuzz-corpus
mkdir fuzz-corpus
n=0
while IFS= read -r seed; do
	n=$((n + 1))
	printf '%b' "$seed" > "fuzz-corpus/seed-$n"
done <<'SEEDS'
0dnat add dst 100.0.0.254 proto tcp dport 80 to 172.16.0.1
0snat add src 172.16.0.0/24 dst 172.16.0.0/24 to 172.16.0.254
0dnat add iif br-lan src 192.168.1.0/24 dst local proto tcp dport 80 to 192.168.1.200
0dnat add dst 10.0.0.1 proto tcp dport 8000-8010 to 192.168.1.2:9000-9010 noreflect reflect-src external
0snat add oif WAN proto udp dport 53 masquerade
0-j -n ns1 conn list proto tcp addr 1.1.1.1 port 80
0timeout set tcp_established 600 udp 30
0timeout set conn_max 20 udp 3600
0config set conn_max 200000 rules_max 1024
0config set filtering endpoint-independent conn_max 9
0explain iif LAN src 192.168.1.10:40000 dst 1.1.1.1:80 proto tcp
0-j config show
0dnat del 3
1# saved\nflush\ndnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2\nhairpin snat add oif WAN masquerade\n
SEEDS

if ! ./fuzz-parse -max_total_time="$FUZZ_TIME" -runs="$FUZZ_RUNS" \
	-max_len=512 -dict=fuzz.dict -print_final_stats=1 fuzz-corpus; then
	echo "fuzz-run: FAIL: see the crash-* file above" >&2
	exit 1
fi
echo "fuzz-run: ok"
