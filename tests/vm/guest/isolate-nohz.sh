# SPDX-License-Identifier: GPL-2.0-or-later
# Runtime isolation stops the tick and offloads RCU callbacks, with no
# boot parameter: what the kernel does on CPU 2 after "isolated", and
# after "online" again; cputime across the transitions; isolating the
# CPU that keeps time.
. /tests/lib.sh

modprobe cpuiso || fail modprobe "exit $?"

# user time of CPU $1 in /proc/stat, in USER_HZ (100) ticks
cpu_user() { awk -v c="cpu$1" '$1 == c { print $2 }' /proc/stat; }
# LOC (local timer) interrupts of CPUs 0-3
loc_counts() { awk '$1 == "LOC:" { print $2, $3, $4, $5 }' /proc/interrupts; }
# within10 T WALL: T within 10% of the spin's wall time (10 s + settling)
within10() { awk -v t="$1" -v w="$2" 'BEGIN { exit !(t > 0.9 * w && t < 1.1 * w) }'; }

# spin_on2 NAME [ACTION...]: a 10 s user-space spin on CPU 2, ACTION run
# meanwhile; the task's user time and CPU 2's must both be 10 s +-10%.
spin_on2() {
	local name=$1 u0 u1 ut uc wall
	shift
	u0=$(cpu_user 2)
	noise 2 10 > /tmp/spin.out &
	local pid=$!
	[ $# -eq 0 ] || "$@"
	wait $pid || { fail "$name" "noise exited $?"; return; }
	u1=$(cpu_user 2)
	ut=$(val /tmp/spin.out utime)
	wall=$(val /tmp/spin.out wall)
	uc=$(awk -v a="$u0" -v b="$u1" 'BEGIN { printf "%.2f", (b - a) / 100 }')
	figure "cputime_${name}_wall_s" "$wall"
	figure "cputime_${name}_task_s" "$ut"
	figure "cputime_${name}_cpu2_s" "$uc"
	check "$name-task" within10 "$ut" "$wall"
	check "$name-cpu2" within10 "$uc" "$wall"
}

flip_twice() {
	sleep 3
	write online $C/cpu2/state >/dev/null || fail flip-release
	sleep 3
	write isolated $C/cpu2/state >/dev/null || fail flip-isolate
}

# nothing in nohz_full mode; a CPU isolated once stays offloaded
nohz_empty() { [ -z "$(cat $C/nohz_full)" ]; }
off_cpu2() { [ -n "$1" ] && ! in_list 2 "$1"; }

rcuo_mask() {
	local d
	for d in /proc/[0-9]*; do
		# rcuop/N or rcuos/N, as RCU is preemptible or not
		case $(cat "$d/comm" 2>/dev/null) in "rcuo"?"/$1") ;; *) continue ;; esac
		sed -n 's/^Cpus_allowed_list:\t*//p' "$d/status"
	done
}

check boot-empty nohz_empty
spin_on2 cputime-online

err=$(write isolated $C/cpu2/state) || fail isolate "$err"
check nohz_full [ "$(cat $C/nohz_full)" = 2 ]
check rcu_nocbs [ "$(cat $C/rcu_nocbs)" = 2 ]
m=$(rcuo_mask 2)
check rcuop-off-cpu2 off_cpu2 "$m"

sleep 1
noise 2 5 > /tmp/noise.out || fail noise-run "noise exited $?"
cat /tmp/noise.out
figure isolated_loc_per_s "$(val /tmp/noise.out loc_per_s)"
figure isolated_rcu_softirq_per_s "$(val /tmp/noise.out rcu_softirq_per_s)"
check tick-stopped lt "$(val /tmp/noise.out loc_per_s)" 2.5
# At most one: the 1 Hz kick can land its tick in the kernel (the IPI's
# exit path) while a grace period waits, and RCU then raises its softirq;
# boot-time isolation does the same (docs/results.md).
rcu=$(val /tmp/noise.out rcu_softirq_count)
check rcu-softirq-at-most-1 sh -c "[ -n '$rcu' ] && [ '$rcu' -le 1 ]"

spin_on2 cputime-isolated
spin_on2 cputime-transitions flip_twice
check still-isolated [ "$(cat $C/cpu2/state)" = isolated ]

err=$(write online $C/cpu2/state) || fail release "$err"
check released nohz_empty
# RCU callbacks stay offloaded (docs/design.md: RCU)
check still-offloaded [ "$(cat $C/rcu_nocbs)" = 2 ]
noise 2 3 > /tmp/noise.out || fail noise-run "noise exited $?"
figure released_loc_per_s "$(val /tmp/noise.out loc_per_s)"
check tick-back lt 100 "$(val /tmp/noise.out loc_per_s)"
spin_on2 cputime-released

# A process CPU timer armed before the CPU is isolated keeps the tick of
# its task running: ITIMER_PROF fires every 10 ms on the isolated CPU.
write online $C/cpu2/state >/dev/null
timing itimer 2 6 > /tmp/itimer.out &
p=$!
sleep 1
write isolated $C/cpu2/state >/dev/null || fail itimer-isolate
wait $p
cat /tmp/itimer.out
figure itimer_sigprof_per_s "$(val /tmp/itimer.out sigprof_per_s_last_half)"
check itimer-on-cpu2 [ "$(val /tmp/itimer.out ran_on)" = 2 ]
check itimer-fires lt 50 "$(val /tmp/itimer.out sigprof_per_s_last_half)"
write online $C/cpu2/state >/dev/null

# The timekeeper: let the busy CPU 1 take the duty while the others idle,
# freeze it there by isolating CPU 3 (a timekeeper with nohz_full CPUs
# around keeps its tick), then isolate CPU 1 itself.
timekeeper() {	# the CPU whose tick runs on while every CPU idles
	local a b
	a=$(loc_counts)
	sleep 1
	b=$(loc_counts)
	echo "$a $b" | awk '{ m = 0; for (i = 1; i <= 4; i++) { d = $(i + 4) - $i;
		if (d > m) { m = d; c = i - 1 } } print c }'
}
noise 1 3 > /dev/null &
sleep 1.5
write isolated $C/cpu3/state >/dev/null || fail isolate3
wait
tk=$(timekeeper)
figure timekeeper_before "$tk"
if [ "$tk" = 1 ]; then
	err=$(write isolated $C/cpu1/state) && ok isolate-timekeeper ||
		fail isolate-timekeeper "$err"
	tk=$(timekeeper)
	figure timekeeper_after "$tk"
	check timekeeper-housekeeping in_list "$tk" 0,2
	check nohz_full-1-3 [ "$(cat $C/nohz_full)" = 1,3 ]
else
	skip isolate-timekeeper "the duty stayed on CPU $tk"
fi
for c in 1 3; do write online $C/cpu$c/state >/dev/null; done
check all-released nohz_empty
check none-isolated [ -z "$(cat $C/isolated)" ]
rmmod cpuiso
