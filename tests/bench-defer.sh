#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmark of issue 12: machine-wide work on CPU 0 against an isolated
# CPU 2 that runs a user-space spin (tests/vm/guest/bench-defer.sh), side
# by side: CPU 2 isolated at boot (nohz_full= rcu_nocbs= isolcpus=, the
# anchor), at runtime with the series as built, and, with --before DIR,
# at runtime with another kernel (e.g. the series before deferral).
# Prints a markdown table of CPU 2's interrupts and kworker runs beyond
# its quiet window, per source, and the getpid() costs.
#
#   tests/bench-defer.sh [--before KERNEL_DIR]
#
# Time: three boots of about 2 minutes each under TCG.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/common.sh"
bench_start "$@"

run() {	# run NAME GROUP [KERNEL_DIR]
	if [ -n "${3:-}" ]; then
		CPUISO_KERNEL_DIR=$3 bench_boot "$data" "$1" "$2"
	else
		bench_boot "$data" "$1" "$2"
	fi || { cat "$data/$1/tap" >&2; return 1; }
}
names=(boot runtime)
run boot bench-defer-boot
run runtime bench-defer
if [ -n "$before" ]; then
	run before bench-defer "$before"
	names=(boot before runtime)
fi
python3 - "$data" "${names[@]}" <<'PY'
import sys
data, names = sys.argv[1], sys.argv[2:]
fig = {}
for n in names:
    d = {}
    for line in open(f"{data}/{n}/figures"):
        k, _, v = line.strip().partition("=")
        d[k] = v
    fig[n] = d
def num(n, k):
    v = fig[n].get(k)
    if v is None or v == "":
        sys.exit(f"bench-defer.sh: {n}: figure {k} missing")
    return int(float(v))
label = {"boot": "boot-time isolation", "before": "runtime, before",
         "runtime": "runtime (deferral " + fig["runtime"].get("deferral", "?") + ")"}
print(f"window {fig['runtime']['window_s']} s per source; CPU 2's counts "
      "beyond its quiet window (quiet window: absolute)\n")
print("| source | " + " | ".join(label[n] for n in names) + " |")
print("|---|" + "---|" * len(names))
for s in ["quiet", "drop_caches", "stat_refresh", "trace_event", "static_key",
          "vmap", "module"]:
    cells = []
    for n in names:
        parts = []
        for k in ["LOC", "CAL", "RES", "TLB", "kworker"]:
            v = num(n, f"{s}_{k}")
            if s != "quiet":
                v -= num(n, f"quiet_{k}")
            parts.append(f"{k} {v}")
        it = "" if s == "quiet" else f" ({num(n, s + '_iterations')}×)"
        cells.append(", ".join(parts) + it)
    print(f"| {s} | " + " | ".join(cells) + " |")
print()
for n in names:
    print(f"getpid ns, {label[n]}: CPU 1 {fig[n]['getpid_ns_cpu1']}, "
          f"CPU 2 {fig[n]['getpid_ns_cpu2']}")
PY
