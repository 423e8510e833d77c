#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmarks: boot the test guest (groups bench* of tests/vm/groups.conf),
# collect the figures the guest prints, draw the plots into docs/img/ and
# rewrite the tables of docs/results.md between <!-- bench:NAME --> and
# <!-- /bench --> (tests/bench-report.py).  One run, six boots:
#
#   noise-none, noise-boot, noise-runtime   the noise test (a user-space
#       spin on CPU 2, tests/vm/guest/noise.sh) with no isolation, with
#       nohz_full= ... at boot, and with CPU 2 isolated at runtime; 4 vCPUs
#   smp4, smp16, smp32   tests/vm/guest/bench-transition.sh (isolate and
#       release against offline and online of CPU 2, 20 times; an isolated
#       CPU 3 as bystander) in a 4-, 16- and 32-vCPU guest
#
#   tests/bench.sh [--out DIR] [--smp "4 16 32"] [--timeout SECONDS]
#                  [--variant lockdep|fast] [--no-docs]
#   tests/bench.sh --report DIR [--no-docs]    # plots and tables again
#
# --out: where the logs and figures go (default ~/.cache/cpuiso/bench/DATE);
# --timeout: per boot (default 1800 s); --no-docs: plots and tables into
# DIR only, docs/ untouched.  The kernel is the cached one
# (tests/vm/build-kernel.sh; CPUISO_KERNEL_DIR as for run-guest.sh), by
# default the fast variant: no lock debugging, as in the kernels people
# run; lockdep weighs on lock-heavy paths (the isolation's) far more than
# on a plain cycle's grace-period waits, so --variant lockdep (the tests'
# kernel) skews the ratios.
#
# Time: on 2 host cores without KVM (TCG), with the kernel cached, 6 to
# 10 minutes: the noise boots take about 40 s each, the transition boots
# 1 to 2 minutes (the 32-vCPU guest boots in about 20 s).  Absolute times
# under TCG on a shared host mean little; docs/results.md reports ratios.
# Exit status: non-zero if any boot failed or a figure is missing; the
# plots and tables are then drawn from what was measured only if every
# figure they need is there.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cmdline="tests/bench.sh${*:+ $*}"

out=
smps="4 16 32"
tmo=1800
variant=fast
docs=1
report=
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	--smp) smps=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--variant) variant=$2; shift 2 ;;
	--no-docs) docs=0; shift ;;
	--report) report=$2; shift 2 ;;
	-h|--help) sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

"$top/tests/deps.sh" bench
. "$top/tests/vm/common.sh"

docargs=()
[ $docs = 1 ] && docargs=(--docs "$top/docs")
if [ -n "$report" ]; then
	exec python3 "$top/tests/bench-report.py" "${docargs[@]}" "$report"
fi

data=${out:-$cache/bench/$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$data"
data=$(cd "$data" && pwd)
echo "bench.sh: logs and figures in $data" >&2

# what produced the figures
{
	echo "command=$cmdline"
	echo "date=$(date -u +%Y-%m-%d)"
	echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "host_cpus=$(nproc)"
	echo "host_load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "variant=$variant"
	# where the guest is built and which kernel, if not the defaults
	echo "env=${CPUISO_VM_OUT:+CPUISO_VM_OUT=$CPUISO_VM_OUT }${CPUISO_KERNEL_DIR:+CPUISO_KERNEL_DIR=$CPUISO_KERNEL_DIR}"
	echo "timeout=$tmo"
} > "$data/meta"
# one line per boot: name group smp exit-code seconds
: > "$data/runs"

run() {	# run NAME GROUP SMP
	local name=$1 group=$2 smp=$3 t0 rc
	mkdir -p "$data/$name"
	echo "bench.sh: $name: group $group, $smp vCPUs" >&2
	t0=$(date +%s)
	rc=0
	bench_boot "$data" "$name" "$group" --smp "$smp" --timeout "$tmo" \
		--variant "$variant" || rc=$?
	echo "$name $group $smp $rc $(( $(date +%s) - t0 ))" >> "$data/runs"
	echo "bench.sh: $name: exit $rc after $(( $(date +%s) - t0 )) s" >&2
	grep '^not ok' "$data/$name/tap" | sed "s/^/bench.sh: $name: /" >&2 || true
}

run noise-none bench-noise-none 4
run noise-boot bench-noise-boot 4
run noise-runtime bench-noise-runtime 4
for n in $smps; do
	run "smp$n" bench "$n"
done
{
	echo "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "host_load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
} >> "$data/meta"

rc=0
python3 "$top/tests/bench-report.py" "${docargs[@]}" "$data" || rc=$?
if awk '$4 != 0 { bad = 1 } END { exit !bad }' "$data/runs"; then
	echo "bench.sh: some boots failed (exit codes in $data/runs, TAP in $data/NAME/tap)" >&2
	rc=1
fi
exit $rc
