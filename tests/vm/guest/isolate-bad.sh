# SPDX-License-Identifier: GPL-2.0-or-later
# Bad writes to cpuN/state and failures injected part way: each leaves the
# CPU as it was, with every mask intact.
. /tests/lib.sh

modprobe cpuiso || fail modprobe "exit $?"
wq=/sys/devices/virtual/workqueue/cpumask

# snapshot: state word, isolated set, unbound wq mask, kthread and IRQ masks
snap() {
	{
		for c in 0 1 2 3; do
			echo "cpu$c $(cat $C/cpu$c/state) $(cat $C/cpu$c/deferral)"
		done
		echo "isolated $(cat $C/isolated)"
		echo "nohz_full $(cat $C/nohz_full)"
		echo "irq_default $(cat /proc/irq/default_smp_affinity)"
		echo "cpuset_isolated $(cat /sys/fs/cgroup/cpuset.cpus.isolated)"
		echo "wq $(cat $wq)"
		kthread_masks noirq | while read -r pid mask; do
			echo "$pid $(cat /proc/$pid/comm 2>/dev/null) $mask"
		done
		irq_masks | cut -d' ' -f1-2
	} > "$1"
}
same() {	# same NAME SNAPSHOT: nothing changed since it
	snap /tmp/now
	if diff "$2" /tmp/now > /tmp/diff; then
		ok "$1"
	else
		fail "$1" "$(grep '^[-+][^-+]' /tmp/diff | head -4 | tr '\n' ' ')"
	fi
}
state_num() { sed -n "s|^ *\([0-9]*\): $1\$|\1|p" $C/hotplug/states; }

# a first isolation creates the CPU's rcuo kthreads, which stay: do it
# before the snapshot, so the group's order does not matter
for c in 1 2 3; do
	write isolated $C/cpu$c/state >/dev/null && write online $C/cpu$c/state >/dev/null
done
snap /tmp/s0
check bad-word [ "$(write frozen $C/cpu2/state)" = "Invalid argument" ]
check bad-case [ "$(write Isolated $C/cpu2/state)" = "Invalid argument" ]
check bad-blank [ "$(write ' ' $C/cpu2/state)" = "Invalid argument" ]
same bad-words-change-nothing /tmp/s0

# the boot CPU keeps duties nobody else takes
check boot-cpu [ "$(write isolated $C/cpu0/state)" = "Device or resource busy" ]
same boot-cpu-unchanged /tmp/s0

# isolating every CPU but the last housekeeping one works; that one is refused
for c in 1 2 3; do
	err=$(write isolated $C/cpu$c/state) || fail "isolate$c" "$err"
done
check all-but-one [ "$(cat $C/isolated)" = 1-3 ]
check last-housekeeping [ "$(write isolated $C/cpu0/state)" = "Device or resource busy" ]
for c in 1 2 3; do
	err=$(write online $C/cpu$c/state) || fail "release$c" "$err"
done
same all-released /tmp/s0

# idempotent writes
write online $C/cpu2/state >/dev/null || fail online-twice "online on an online CPU"
write isolated $C/cpu2/state >/dev/null && write isolated $C/cpu2/state >/dev/null ||
	fail isolated-twice "isolated on an isolated CPU"
check isolated-twice-state [ "$(cat $C/cpu2/state)" = isolated ]
write online $C/cpu2/state >/dev/null
same idempotent /tmp/s0

# an offline CPU: "isolated" brings it up isolated, "offline" takes it down
write 0 $C/cpu3/online
check offline-reads [ "$(cat $C/cpu3/state)" = offline ]
err=$(write isolated $C/cpu3/state) || fail offline-to-isolated "$err"
check offline-to-isolated [ "$(cat $C/cpu3/state)" = isolated ]
check online-file [ "$(cat $C/cpu3/online)" = 1 ]
# an isolated CPU taken offline and back stays isolated
write offline $C/cpu3/state >/dev/null
check isolated-offline [ "$(cat $C/cpu3/state)" = offline ]
write 1 $C/cpu3/online
check back-isolated [ "$(cat $C/cpu3/state)" = isolated ]
write online $C/cpu3/state >/dev/null
same offline-cases /tmp/s0

# failures injected at our state (up) and at core states (down), both ways
ours=$(state_num cpuiso/affinity:online)
active=$(state_num sched:active)
check found-states test -n "$ours" -a -n "$active"
inject() {	# inject NAME STATE WORD: the write must fail, nothing change
	local before=/tmp/inj.$1
	snap "$before"
	echo "$2" > $C/cpu2/hotplug/fail || { fail "$1" "cannot arm fail=$2"; return; }
	if write "$3" $C/cpu2/state >/dev/null; then
		fail "$1" "write $3 succeeded with fail=$2"
	fi
	echo -1 > $C/cpu2/hotplug/fail 2>/dev/null
	same "$1" "$before"
}
inject isolate-fails-up "$ours" isolated
inject isolate-fails-down "$active" isolated
write isolated $C/cpu2/state >/dev/null || fail isolate-after-faults "isolation failed"
inject release-fails-up "$ours" online
inject release-fails-down "$active" online
write online $C/cpu2/state >/dev/null || fail release-after-faults "release failed"
same faults-leave-nothing /tmp/s0

# a failure at each row of the isolation step table, both ways
rows="cpuset housekeeping tick defer irq_default irq watchdog timers"
check fail-file [ "$(cat $C/cpu2/isolation_fail)" = none ]
check fail-bad-row [ "$(write nosuchrow $C/cpu2/isolation_fail)" = "Invalid argument" ]
row_fails() {	# row_fails ROW WORD: the write fails, nothing changes
	local before=/tmp/row.$1.$2 err
	snap "$before"
	write "$1" $C/cpu2/isolation_fail >/dev/null || { fail "row-$1-$2" "cannot arm"; return; }
	if err=$(write "$2" $C/cpu2/state); then
		fail "row-$1-$2" "write $2 succeeded"
	elif [ "$err" != "Resource temporarily unavailable" ]; then
		fail "row-$1-$2" "$err"
	fi
	check "row-$1-$2-disarmed" [ "$(cat $C/cpu2/isolation_fail)" = none ]
	same "row-$1-$2" "$before"
}
for r in $rows; do row_fails "$r" isolated; done
write isolated $C/cpu2/state >/dev/null || fail isolate-after-rows "isolation failed"
for r in $rows; do row_fails "$r" online; done
write online $C/cpu2/state >/dev/null || fail release-after-rows "release failed"
same rows-leave-nothing /tmp/s0

# what a user writes to the unbound workqueue mask keeps isolated CPUs out
# while they are isolated, and applies whole when they are released
wq_boot=$(cat $wq)
write isolated $C/cpu2/state >/dev/null || fail wq-isolate
write f $wq >/dev/null || fail wq-write "cannot write $wq"
check wq-write-keeps-isolated-out [ "$(cat $wq)" = b ]
write online $C/cpu2/state >/dev/null || fail wq-release
check wq-write-back-whole [ "$(cat $wq)" = f ]
write "$wq_boot" $wq >/dev/null
rmmod cpuiso
