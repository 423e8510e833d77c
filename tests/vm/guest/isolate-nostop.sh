# SPDX-License-Identifier: GPL-2.0-or-later
# Isolate and release never stop the other CPUs: while CPU 2 goes through
# 20 transitions, the stopper thread of CPU 3, isolated and running a
# user-space spin, never runs, and CPU 3 takes no more interrupts than in
# a quiet spell of the same length.  A plain offline/online cycle
# of CPU 2 (stop_machine) is measured the same way, to show the test can
# see what it checks for.
. /tests/lib.sh

modprobe cpuiso || fail modprobe "exit $?"
pid_of() { for d in /proc/[0-9]*; do [ "$(cat $d/comm 2>/dev/null)" = "$1" ] && echo ${d#/proc/}; done; }
# context switches of a thread: how often it ran
runs() { awk '/ctxt_switches/ { s += $2 } END { print s }' /proc/$1/status; }
stoppers() { for c in 0 1 3; do runs "$(pid_of migration/$c)"; done | tr '\n' ' '; }
delta() { set -- $1 $2; echo $(( $4 + $5 + $6 - $1 - $2 - $3 )); }
delta3() { set -- $1 $2; echo $(( $6 - $3 )); }

# the first isolation of a CPU offloads its RCU callbacks through one
# full offline (docs/design.md): get that out of the way
for c in 2 3; do
	write isolated $C/cpu$c/state >/dev/null || fail warm-up "cpu$c"
	write online $C/cpu$c/state >/dev/null || fail warm-up "cpu$c"
done
write isolated $C/cpu3/state >/dev/null || fail isolate3 "cannot isolate CPU 3"
sleep 1

sq=$(stoppers)
noise 3 8 > /tmp/quiet
s0=$(stoppers)
noise 3 8 > /tmp/busy &
n=$!
sleep 1
for i in $(seq 20); do
	write isolated $C/cpu2/state >/dev/null || fail isolate "rep $i"
	write online $C/cpu2/state >/dev/null || fail release "rep $i"
done
wait $n
s1=$(stoppers)
# the same with plain offline/online cycles: stop_machine each time
noise 3 8 > /tmp/cycle &
n=$!
sleep 1
for i in $(seq 20); do
	write 0 $C/cpu2/online >/dev/null
	write 1 $C/cpu2/online >/dev/null
done
wait $n
s2=$(stoppers)

q=$(val /tmp/quiet irq_total); b=$(val /tmp/busy irq_total); y=$(val /tmp/cycle irq_total)
figure cpu3_quiet_irqs "$q"
figure cpu3_transitions_irqs "$b"
figure cpu3_offline_cycles_irqs "$y"
for f in quiet busy cycle; do
	for k in LOC CAL RES TLB; do
		figure "cpu3_${f}_$k" "$(val /tmp/$f irq.$k | grep . || echo 0)"
	done
done
figure stopper_runs_quiet "$(delta "$sq" "$s0")"
figure stopper_runs_transitions "$(delta "$s0" "$s1")"
figure stopper_runs_offline_cycles "$(delta "$s1" "$s2")"
figure stopper_runs_cpu3_transitions "$(delta3 "$s0" "$s1")"
# The housekeeping CPUs' stoppers also run for the soft lockup watchdog
# and for load balancing that the test's own processes cause: their runs
# are figures (docs/results.md), the isolated bystander's must be none.
check stopper-cpu3-idle [ "$(delta3 "$s0" "$s1")" = 0 ]
check bystander-quiet [ "$b" -le $((q + 1)) ]
# the measurement sees stop_machine when there is one
check offline-cycles-seen [ "$(delta "$s1" "$s2")" -ge 20 ]
check offline-cycles-disturb [ "$y" -gt $((q + 10)) ]
write online $C/cpu3/state >/dev/null
rmmod cpuiso
