#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmark of issue 13 (tests/vm/guest/bench-taskiso.sh): CPU 2 running a
# user-space spin for 60 s, without and with task isolation mode, CPU 2
# isolated at boot (nohz_full= rcu_nocbs= isolcpus=) and at runtime; the
# mode's spin while CPU 0 runs each machine-wide source; the cost of
# entering and leaving the mode; getpid() on housekeeping CPU 1, and with
# --before DIR the same on a kernel without the mode (must be unchanged).
# Prints markdown tables.
#
#   tests/bench-taskiso.sh [--before KERNEL_DIR]
#
# Time: two or three boots of about 4 minutes each under TCG.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/common.sh"
bench_start "$@"

names=(boot runtime)
bench_boot "$data" boot bench-taskiso-boot --timeout 1200
bench_boot "$data" runtime bench-taskiso --timeout 1200
if [ -n "$before" ]; then
	CPUISO_KERNEL_DIR=$before bench_boot "$data" before bench-taskiso --timeout 1200
	names+=(before)
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
label = {"boot": "boot-time isolation", "runtime": "runtime isolation",
         "before": "runtime, kernel without the mode"}
kinds = ["LOC", "CAL", "RES", "TLB", "IWI"]
def cell(n, p):
    f = fig[n]
    if f.get(f"{p}_irq_total", "") == "":
        return "-"
    parts = [f"{k} {f[p + '_' + k]}" for k in kinds if f.get(p + "_" + k, "0") != "0"]
    return (f"{f[p + '_irq_total']} IRQs" + (" (" + ", ".join(parts) + ")" if parts else "")
            + f", {f[p + '_softirq_total']} softirqs")
print(f"CPU 2 over {fig[names[0]]['quiet_s']} s of a user-space spin\n")
print("| setup | spin | spin in task isolation mode | mode's record |")
print("|---|---|---|---|")
for n in names:
    f = fig[n]
    rec = f.get("mode_record", "") or "-"
    print(f"| {label[n]} | {cell(n, 'plain')} | {cell(n, 'mode')} | {rec} |")
print(f"\nThe spin in the mode while CPU 0 runs a source for "
      f"{fig[names[0]]['window_s']} s\n")
print("| source | " + " | ".join(label[n] for n in names if fig[n].get("mode") == "present") + " |")
print("|---|" + "---|" * sum(fig[n].get("mode") == "present" for n in names))
for s in ["drop_caches", "stat_refresh", "trace_event", "static_key", "vmap", "module"]:
    cells = []
    for n in names:
        f = fig[n]
        if f.get("mode") != "present":
            continue
        last = f.get(f"{s}_last", "")
        cells.append(cell(n, s) + f" ({f[s + '_iterations']}×)"
                     + (f"; last: `{last}`" if last else ""))
    print(f"| {s} | " + " | ".join(cells) + " |")
print()
for n in names:
    f = fig[n]
    el = f.get("enter_leave_ns", "") or "-"
    print(f"- {label[n]}: enter+leave {el} ns; getpid on CPU 1 "
          f"{f['getpid_ns_cpu1']} ns before, {f['getpid_ns_cpu1_after']} ns after")
PY
