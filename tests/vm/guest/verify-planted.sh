# SPDX-License-Identifier: GPL-2.0-or-later
# A planted source on an isolated CPU: cpuiso_planted.ko (tests/vm/kmod)
# runs a timer pinned to CPU 2 every 100 ms that queues a work item on
# CPU 2.  cpuiso verify must call the CPU disturbed and name both
# functions, the timer's among the TIMER softirq's causes and the work's
# among those of CPU 2's kworker; before the module is loaded, the CPU is
# quiet and neither name appears.  Needs CPU 2 isolated (isolate-keep).
. /tests/lib.sh

cpu=2
timer_fn=cpuiso_planted_timer_fn
work_fn=cpuiso_planted_work_fn
# this script and its children stay off the CPU they measure
taskset -pc 0-1 $$ >/dev/null || fail pin "taskset exited $?"
check isolated [ "$(cat $C/cpu$cpu/state)" = isolated ]

# causes SOURCE-PATTERN FILE: the "cause" of every source whose name
# matches the (awk) pattern, one a line
causes() {
	awk -v p="^\"$1\",\$" '$1 == "\"name\":" { cur = $2 }
		$1 == "\"cause\":" && cur ~ p { print }' "$2"
}

cpuiso verify $cpu -d 5 -J > /tmp/before.json
rc=$?
figure before_exit "$rc"
figure before_per_s "$(sed -n 's/^ *"per-s": \([0-9.]*\).*/\1/p' /tmp/before.json)"
check before/quiet grep -q '"verdict": "quiet"' /tmp/before.json
absent() { ! grep -q "$1" /tmp/before.json; }
check before/no-timer-fn absent $timer_fn
check before/no-work-fn absent $work_fn

if ! modprobe cpuiso_planted cpu=$cpu; then
	fail load "modprobe cpuiso_planted exited $?"
	exit 0
fi
cpuiso verify $cpu -d 5 -J > /tmp/with.json
rc=$?
rmmod cpuiso_planted || fail unload "rmmod exited $?"
cat /tmp/with.json
figure with_exit "$rc"
figure with_per_s "$(sed -n 's/^ *"per-s": \([0-9.]*\).*/\1/p' /tmp/with.json)"
figure with_timer_causes "$(causes TIMER /tmp/with.json)"
figure with_kworker_causes "$(causes "kworker\\/$cpu:.*" /tmp/with.json | tr '\n' ' ')"
check with/disturbed grep -q '"verdict": "disturbed"' /tmp/with.json
check with/exit-1 [ "$rc" = 1 ]
# named NAME SOURCE-PATTERN: NAME is one of the source's causes ("NAME (5)")
named() { causes "$2" /tmp/with.json | grep -q "[\" ]$1 ("; }
check with/timer-fn-named named $timer_fn TIMER
check with/work-fn-named named $work_fn "kworker\\/$cpu:.*"
