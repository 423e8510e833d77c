# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark, not a test (issue 13): a user-space spin on isolated CPU 2,
# without and with task isolation mode, over a long quiet window; the
# mode's spin again while CPU 0 runs each machine-wide source of
# defer-src.sh; the cost of entering and leaving the mode; getpid() on
# housekeeping CPU 1, which the mode must leave unchanged.  CPU 2 is
# isolated at boot if the command line says so, else at runtime.  A kernel
# without the mode gives the figures it can ("mode=absent").
. /tests/lib.sh

quiet=60
secs=8
counts() {	# PREFIX OUT: CPU 2's interrupts by kind, softirqs, the mode's record
	local k
	for k in LOC CAL RES TLB IWI; do figure "${1}_$k" "$(row "$2" $k)"; done
	figure "${1}_irq_total" "$(val "$2" irq_total)"
	figure "${1}_softirq_total" "$(val "$2" softirq_total)"
	figure "${1}_seconds" "$(val "$2" seconds)"
	figure "${1}_record" "$(val "$2" tisol.total)"
	figure "${1}_last" "$(val "$2" tisol.last | tr ' =' '_:')"
}

bench_isolate
figure quiet_s "$quiet"
figure window_s "$secs"
figure getpid_ns_cpu1 "$(getpid_ns 1)"
if tisol cost 2 1 > /dev/null 2>&1; then mode=present; else mode=absent; fi
figure mode "$mode"
sleep 1
noise 2 $quiet > /tmp/t_plain
counts plain /tmp/t_plain
if [ $mode = present ]; then
	noise 2 $quiet isolated > /tmp/t_mode
	counts mode /tmp/t_mode
	for s in drop_caches stat_refresh trace_event static_key vmap module; do
		defer_window 2 $s "$secs" /tmp/t_$s isolated
		counts "$s" /tmp/t_$s
		figure "${s}_iterations" "$(val /tmp/t_$s iterations)"
	done
	figure enter_leave_ns "$(tisol cost 2 20000 | sed -n 's/^enter_leave_ns=//p')"
fi
figure getpid_ns_cpu1_after "$(getpid_ns 1)"
[ -n "$FAILED" ] || ok done
