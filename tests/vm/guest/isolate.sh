# SPDX-License-Identifier: GPL-2.0-or-later
# echo isolated > cpu2/state, then online: what the kernel does about it.
# Each check is preceded by one showing it could fail on this guest.
. /tests/lib.sh

cpu=2
wq=/sys/devices/virtual/workqueue/cpumask
dom=/sys/kernel/debug/sched/domains/cpu$cpu
spin() { while :; do :; done; }
# user+nice+system of a CPU in /proc/stat, in USER_HZ (100/s)
busy_ticks() { awk -v c=cpu$1 '$1 == c { print $2 + $3 + $4 }' /proc/stat; }

# the states that move kthreads and IRQs live in the module
modprobe cpuiso || fail modprobe "exit $?"
# sched domains show in debugfs only in verbose mode
echo Y > /sys/kernel/debug/sched/verbose

for c in 0 1 2 3; do
	[ -f $C/cpu$c/state ] || fail abi "no cpu$c/state"
done
check read-online [ "$(cat $C/cpu$cpu/state)" = online ]
check pre-domain [ -n "$(ls $dom | grep domain)" ]

# what users set before isolation must come back as they set it
uirq=
for d in /proc/irq/[0-9]*; do
	in_list $cpu "$(cat $d/smp_affinity_list)" || continue
	if write 1-2 $d/smp_affinity_list >/dev/null; then
		uirq=${d#/proc/irq/}
		break
	fi
done
check pre-user-irq [ -n "$uirq" ]
wq_boot=$(cat $wq)
write 5 $wq >/dev/null || fail pre-wq "cannot write $wq"

kthread_masks noirq > /tmp/k.before
irq_masks > /tmp/i.before
# movable IRQs: those whose mask can be written (not managed, not per-CPU)
for d in /proc/irq/[0-9]*; do
	write "$(cat $d/smp_affinity_list)" $d/smp_affinity_list >/dev/null &&
		echo "${d#/proc/irq/}"
done > /tmp/i.movable
check pre-kthread-on-cpu grep -Eq " (.*[,-])?$cpu([,-]|\$)|-3" /tmp/k.before

# a task pinned to the CPU alone before isolation stays pinned through it
taskset -c $cpu sleep 1000 &
upin=$!
mask_of() { sed -n 's/^Cpus_allowed_list:\t*//p' /proc/$1/status; }
# a task nobody pinned loses the CPU while it is isolated ...
sleep 1000 &
uwide=$!
# ... but one of a child cpuset keeps its cpuset's CPUs, as with isolcpus=:
# cpuset's hotplug handling owns its mask
echo +cpuset > $cg/cgroup.subtree_control || fail pre-cpuset "no cpuset controller"
mkdir -p $cg/cpuiso-child
sleep 1000 &
ucs=$!
echo $ucs > $cg/cpuiso-child/cgroup.procs || fail pre-cpuset "cannot move $ucs"
check pre-child-cpuset-mask [ "$(mask_of $ucs)" = "$(cat $cg/cpuiso-child/cpuset.cpus.effective)" ]

# timer migration: trace which CPUs join the hierarchy on the way up
ev=/sys/kernel/tracing/events/timer_migration/tmigr_cpu_online
if [ -f $ev/enable ]; then
	echo 1 > $ev/enable
	echo > /sys/kernel/tracing/trace
fi

# the CPU stays online through the park and keeps its cache topology:
# kernfs gives a directory made anew another inode number.  The first
# isolation offloads RCU through a full offline, the later ones do not.
cache_ino() { stat -c %i $C/cpu$cpu/cache/index0 2>/dev/null; }
check pre-cache [ -n "$(cache_ino)" ]

udevadm monitor --kernel --property --subsystem-match=cpu > /tmp/uevents 2>&1 &
mon=$!
sleep 1

t0=$(now_ms)
err=$(write isolated $C/cpu$cpu/state) || fail write-isolated "$err"
figure isolate_ms "$(awk -v a="$t0" -v b="$(now_ms)" 'BEGIN { printf "%.1f", b - a }')"

check state [ "$(cat $C/cpu$cpu/state)" = isolated ]
ino0=$(cache_ino)
check cache-isolated [ -n "$ino0" ]
if [ -f $ev/enable ]; then
	# the isolated CPU stays out of the timer migration hierarchy
	grep -q "tmigr_cpu_online: cpu=$cpu " /sys/kernel/tracing/trace &&
		fail tmigr-out "cpu$cpu joined the timer migration hierarchy"
	[ -n "$FAILED" ] || ok tmigr-out
	echo > /sys/kernel/tracing/trace
else
	fail tmigr-out "no tmigr_cpu_online trace event"
fi
check isolated-file [ "$(cat $C/isolated)" = $cpu ]
check cpuiso-status sh -c "cpuiso status $cpu | grep -Eq '^ *$cpu .* yes +isolated +yes'"
check no-domain [ -z "$(ls $dom | grep domain)" ]
check wq-unbound [ "$(cat $wq)" = 1 ]

kthread_masks > /tmp/k.iso
while read -r pid mask; do
	in_list $cpu "$mask" && fail kthread "pid $pid ($(cat /proc/$pid/comm)) still on $mask"
done < /tmp/k.iso
irq_masks > /tmp/i.iso
while read -r irq mask eff; do
	# an IRQ may stay only if it is bound to this CPU alone
	[ "$mask" = $cpu ] && continue
	in_list $cpu "$eff" && fail irq-effective "irq $irq mask $mask effective $eff"
	in_list $cpu "$mask" && grep -qx "$irq" /tmp/i.movable &&
		fail irq-mask "irq $irq mask $mask"
done < /tmp/i.iso
check pinned-before-kept [ "$(mask_of $upin)" = $cpu ]
check wide-task-narrowed [ "$(mask_of $uwide)" = 0-1,3 ]
check user-irq-narrowed [ "$(cat /proc/irq/$uirq/smp_affinity_list)" = 1 ]

# a load with wide affinity keeps off the CPU ...
pids=
for i in 1 2 3 4 5 6; do spin & pids="$pids $!"; done
sleep 1
a=$(busy_ticks $cpu); b0=$(busy_ticks 0)
sleep 3
a=$(( $(busy_ticks $cpu) - a )); b0=$(( $(busy_ticks 0) - b0 ))
kill $pids
figure wide_load_ticks_on_isolated "$a"
# CPU 0 took a good share of it (300 ticks at most in 3 s; with one TCG
# thread for four vCPUs a busy vCPU is accounted about half of them)
check load-ran-elsewhere lt 60 "$b0"
check wide-load-off lt "$a" 10
# ... and a task pinned to it runs there
taskset -c $cpu sh -c 'while :; do :; done' &
p=$!
sleep 1
a=$(busy_ticks $cpu)
sleep 2
a=$(( $(busy_ticks $cpu) - a ))
kill $p
check pinned-runs lt 100 "$a"

# a user change made while isolated must survive the release
ukt=$(head -n 1 /tmp/k.iso | cut -d' ' -f1)
taskset -p -c 0 "$ukt" >/dev/null || fail user-kthread "taskset $ukt"
# even one that asks for the very mask the isolation set
taskset -p -c 0-1,3 "$uwide" >/dev/null || fail user-wide "taskset $uwide"
# ... as must an IRQ mask set while isolated, on an IRQ the isolation narrowed
uirq2=
while read -r irq mask eff; do
	[ "$irq" != "$uirq" ] && grep -qx "$irq" /tmp/i.movable &&
		in_list $cpu "$mask" && { uirq2=$irq; uirq2_mask=$mask; break; }
done < /tmp/i.before
check pre-user-irq2 [ -n "$uirq2" ]
write 0 /proc/irq/$uirq2/smp_affinity_list >/dev/null || fail user-irq2 "cannot write irq $uirq2"

t0=$(now_ms)
err=$(write online $C/cpu$cpu/state) || fail write-online "$err"
figure release_ms "$(awk -v a="$t0" -v b="$(now_ms)" 'BEGIN { printf "%.1f", b - a }')"
kill $mon

check state-online [ "$(cat $C/cpu$cpu/state)" = online ]
check cache-kept-release [ "$(cache_ino)" = "$ino0" ]
check tmigr-back grep -q "tmigr_cpu_online: cpu=$cpu " /sys/kernel/tracing/trace
echo 0 > $ev/enable
check isolated-empty [ -z "$(cat $C/isolated)" ]
check domain-back [ -n "$(ls $dom | grep domain)" ]
check wq-requested-back [ "$(cat $wq)" = 5 ]
check user-kthread-kept [ "$(mask_of $ukt)" = 0 ]
check pinned-before-after-release [ "$(mask_of $upin)" = $cpu ]
check user-same-mask-kept [ "$(mask_of $uwide)" = 0-1,3 ]
kill $upin $uwide
kthread_masks noirq | grep -v "^$ukt " > /tmp/k.after
grep -v "^$ukt " /tmp/k.before | while read -r pid mask; do
	[ -d /proc/$pid ] || continue
	grep -qx "$pid $mask" /tmp/k.after || echo "$pid $mask -> $(grep "^$pid " /tmp/k.after)"
done > /tmp/k.diff
check kthreads-restored [ ! -s /tmp/k.diff ]
[ -s /tmp/k.diff ] && cat /tmp/k.diff
irq_masks | cut -d' ' -f1-2 | grep -v "^$uirq2 " > /tmp/i.after
cut -d' ' -f1-2 /tmp/i.before | grep -v "^$uirq2 " | diff - /tmp/i.after > /tmp/i.diff
check irqs-restored [ ! -s /tmp/i.diff ]
[ -s /tmp/i.diff ] && cat /tmp/i.diff
check user-irq-back [ "$(cat /proc/irq/$uirq/smp_affinity_list)" = 1-2 ]
check user-irq-set-while-isolated-kept [ "$(cat /proc/irq/$uirq2/smp_affinity_list)" = 0 ]
write "$uirq2_mask" /proc/irq/$uirq2/smp_affinity_list >/dev/null

check uevent-isolated grep -q '^CPU_STATE=isolated' /tmp/uevents
check uevent-online grep -q '^CPU_STATE=online' /tmp/uevents
check uevent-devpath grep -q "^DEVPATH=/devices/system/cpu/cpu$cpu\$" /tmp/uevents

write isolated $C/cpu$cpu/state >/dev/null || fail cache-isolate-again
check cache-kept-isolate [ "$(cache_ino)" = "$ino0" ]
# (the first isolation went through a full offline, whose cpuset update
# gave the child cpuset's task its mask anew: this one does not)
check child-cpuset-task-left [ "$(mask_of $ucs)" = "$(cat $cg/cpuiso-child/cpuset.cpus.effective)" ]
write online $C/cpu$cpu/state >/dev/null || fail cache-release-again
check child-cpuset-task-after-release [ "$(mask_of $ucs)" = "$(cat $cg/cpuiso-child/cpuset.cpus.effective)" ]
kill $ucs
wait $ucs 2>/dev/null
rmdir $cg/cpuiso-child
# the checks above could fail: a plain offline makes the directory anew
write 0 $C/cpu$cpu/online >/dev/null && write 1 $C/cpu$cpu/online >/dev/null
ino1=$(cache_ino)
check cache-offline-anew [ -n "$ino1" -a "$ino1" != "$ino0" ]

# leave the guest as we found it
write "$wq_boot" $wq >/dev/null
taskset -p -c 0-3 "$ukt" >/dev/null
write 0-3 /proc/irq/$uirq/smp_affinity_list >/dev/null
rmmod cpuiso
