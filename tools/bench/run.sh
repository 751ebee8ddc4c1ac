#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench': build the module and the hairpin command, boot Debian's
# stock kernel in the test VM (tools/vm/run.sh, 4 GiB for the tables of a
# million connections) and run tools/bench/bench.sh there.  The guest's
# output goes to build/bench/bench.log; its figures to
# build/bench/figures.tsv (figure, configuration, ratio, min, median, max,
# rounds, note) and every run's rate to build/bench/raw.tsv.  The table is
# printed at the end.
#
#   tools/bench/run.sh [--smoke|--profile]
#
# --profile: perf's top symbols instead of the figures, into
# build/bench/perf.tsv.
#
# BENCH_* (see bench.sh) pass through to the guest, e.g. BENCH_FIGS="1 2"
# to run part of it.  The VM runs under the lock NFHP_VM_LOCK (default
# /tmp/nfhp-vm.lock), which people sharing a machine take for every VM.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=$root/build/bench
mkdir -p "$out"
make -s module cli
# The guest's /tmp is its own: the module goes where the VM sees it.
cp nf_hairpin.ko "$out/nf_hairpin.ko"

envs=()
for v in $(compgen -e | grep '^BENCH_' || true); do
	envs+=("$v=${!v}")
done
# One host thread for the guest, as make check runs it: the machine is
# shared, and the benchmark runs on one vCPU anyway.
export NFHP_ACCEL=${NFHP_ACCEL:-tcg,thread=single}
timeout=${BENCH_TIMEOUT:-3600}
[ "${1:-}" = --smoke ] && timeout=600
flock "${NFHP_VM_LOCK:-/tmp/nfhp-vm.lock}" \
	tools/vm/run.sh -k stock -m "${BENCH_MEM:-4096}" -t "$timeout" \
	-l "$out/klog" -- env "${envs[@]}" tools/bench/bench.sh "$@" \
	"$out/nf_hairpin.ko" | tee "$out/bench.log"
rc=${PIPESTATUS[0]}
{
	printf 'figure\tconfiguration\tratio\tmin\tmedian\tmax\trounds\tnote\n'
	sed -n 's/^TSV\t//p' "$out/bench.log"
} > "$out/figures.tsv"
{
	printf 'key\tround\trate\tpackets\n'
	sed -n 's/^RAW\t//p' "$out/bench.log"
} > "$out/raw.tsv"
if grep -q '^PERF' "$out/bench.log"; then
	{
		printf 'configuration\tpath\tsamples\n'
		sed -n 's/^PERF\t//p' "$out/bench.log"
	} > "$out/perf.tsv"
fi
echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC'), figures in $out/figures.tsv, rates in $out/raw.tsv"
exit "$rc"
