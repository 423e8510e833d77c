# SPDX-License-Identifier: GPL-2.0-or-later
# Isolate and release never stop the other CPUs: while CPU 2 goes through
# 20 transitions, the stopper thread of CPU 3, isolated and running a
# user-space spin, never runs, no transition wakes the stopper of any
# other CPU (traced: who woke each), and CPU 3 takes no more interrupts
# than in a quiet spell of the same length.  A plain offline/online cycle
# of CPU 2 (stop_machine) is measured the same way, to show the test can
# see what it checks for.
. /tests/lib.sh

modprobe cpuiso || fail modprobe "exit $?"
# the first isolation of a CPU offloads its RCU callbacks through one
# full offline (docs/design.md): get that out of the way
for c in 2 3; do
	write isolated $C/cpu$c/state >/dev/null || fail warm-up "cpu$c"
	write online $C/cpu$c/state >/dev/null || fail warm-up "cpu$c"
done
write isolated $C/cpu3/state >/dev/null || fail isolate3 "cannot isolate CPU 3"
sleep 1

bystander 3 2

q=$(val /tmp/quiet irq_total); b=$(val /tmp/busy irq_total); y=$(val /tmp/cycle irq_total)
figure cpu3_quiet_irqs "$q"
figure cpu3_transitions_irqs "$b"
figure cpu3_offline_cycles_irqs "$y"
for f in quiet busy cycle; do
	for k in LOC CAL RES TLB; do
		figure "cpu3_${f}_$k" "$(val /tmp/$f irq.$k | grep . || echo 0)"
	done
done
figure stopper_runs_quiet "$STOP_quiet"
figure stopper_runs_transitions "$STOP_busy"
figure stopper_runs_offline_cycles "$STOP_cycle"
figure stopper_runs_cpu3_transitions "$SPIN_STOP_busy"
figure stopper_runs_cpu3_offline_cycles "$SPIN_STOP_cycle"
# The housekeeping CPUs' stoppers also run for the soft lockup watchdog
# and for load balancing that the test's own processes cause: their runs
# are figures (docs/results.md), the isolated bystander's must be none.
check stopper-cpu3-idle [ "$SPIN_STOP_busy" = 0 ]
# Traced, for every CPU: no wake of another CPU's stopper came from a
# transition (hotplug, isolation or stop_machine frames in the waker's
# stack); stop_machine wakes them all, so the offline cycles show the
# trace sees it.  Who woke them is a figure: the first frame of each
# wake past the stopper's own queueing code, with its count.
wakers() {
	awk '{ for (i = 2; i <= NF; i++)
		if ($i !~ /^(trace_[a-z_]+|try_to_wake_up|wake_up_q|wake_up_process|cpu_stop_queue_work|cpu_stop_queue_two_works|queue_stop_cpus_work|stop_one_cpu[a-z_]*|stop_two_cpus|__stop_cpus|stop_cpus)$/) {
			print $i; break } }' "$1" | sort | uniq -c | sort -rn |
		awk '{ printf "%s%s x%s", n++ ? ", " : "", $2, $1 }'
}
for w in quiet busy cycle; do
	figure "stopper_wakes_$w" "$(wc -l < /tmp/$w.wakes)"
	figure "stopper_wakers_$w" "$(wakers /tmp/$w.wakes)"
done
tb=$(by_transition /tmp/busy.wakes 2)
tc=$(by_transition /tmp/cycle.wakes 2)
figure stopper_wakes_by_transitions "$tb"
figure stopper_wakes_by_offline_cycles "$tc"
check stopper-others-traced [ "$tb" = 0 ]
[ "$tb" = 0 ] || grep -v '^migration/2 ' /tmp/busy.wakes | head -n 5
check stopper-trace-sees-offline [ "$tc" -ge 20 ]
# The floor is the remote 1 Hz tick, 3 interrupts a cycle (a kick, the
# tick, a resched IPI): an 8 s window holds 6 to 8 cycles depending on
# where it starts, so one more cycle than the quiet window is jitter.
# A quiet window below the floor's top is no tighter bound (CI: quiet 15
# with 4 kicks in 8 s, transitions 21 at 7 cycles): the bound is one
# cycle above the larger of the two.  The 9-patch design's 20
# transitions gave 329, plain offline cycles give 40 to 150.
floor=24
[ "$q" -gt $floor ] && floor=$q
check bystander-quiet [ "$b" -le $((floor + 3)) ]
# the measurement sees stop_machine when there is one: CPU 3's stopper
# runs at least once per offline (twice on x86, MTRR sync at online).
# Its interrupts are a figure only: the cycles can outlast the 8 s
# window when vCPUs share one TCG thread, so how many land in it varies.
check offline-cycles-seen [ "$SPIN_STOP_cycle" -ge 20 ]
write online $C/cpu3/state >/dev/null
rmmod cpuiso
