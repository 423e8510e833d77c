# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark, not a test (issue 12): what machine-wide work on CPU 0 costs
# an isolated CPU 2 running a user-space spin, source by source (see
# defer-src.sh), against a quiet window of the same length: CPU 2's
# interrupts by /proc/interrupts row and the runs of its kworkers.  CPU 2
# is isolated at boot if the command line says so (the anchor), else at
# runtime through cpu2/state.  Also the cost of a getpid() on CPU 2 and
# on housekeeping CPU 1.
. /tests/lib.sh

secs=8

bench_isolate
figure deferral "$(cat $C/cpu2/deferral 2>/dev/null || echo absent)"
figure window_s "$secs"
figure getpid_ns_cpu1 "$(getpid_ns 1)"
figure getpid_ns_cpu2 "$(getpid_ns 2)"
for s in quiet drop_caches stat_refresh trace_event static_key vmap module; do
	defer_window 2 $s "$secs" /tmp/b_$s
	for k in LOC CAL RES TLB; do figure "${s}_$k" "$(row /tmp/b_$s $k)"; done
	figure "${s}_irq_total" "$(val /tmp/b_$s irq_total)"
	figure "${s}_kworker" "$(val /tmp/b_$s kworker)"
	figure "${s}_iterations" "$(val /tmp/b_$s iterations)"
done
[ -n "$FAILED" ] || ok done
