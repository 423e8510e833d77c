# SPDX-License-Identifier: GPL-2.0-or-later
# The compat backend on Debian's 6.12 without our series: what
# "cpuiso isolate" achieves, checked against the kernel's own files, what
# it says needs boot parameters, and that "release" gives back exactly
# what was there, a mask a user changed meanwhile excepted.
. /tests/lib.sh

CG=/sys/fs/cgroup
check stock-kernel [ ! -e $C/cpu2/state ]

# movable IRQs: an affinity file the kernel lets us write
movable=
for d in /proc/irq/[0-9]*; do
	n=${d#/proc/irq/}
	write "$(cat $d/smp_affinity_list)" $d/smp_affinity_list >/dev/null 2>&1 &&
		movable="$movable $n"
done
set -- $movable
check movable-irqs [ $# -ge 2 ]
ua=$1 ub=$2
write 1,3 /proc/irq/$ua/smp_affinity_list >/dev/null	# a user's choice
irq_masks > /tmp/irq.before
kthread_masks noirq > /tmp/kt.before
wq_before=$(cat /sys/devices/virtual/workqueue/cpumask)

cpuiso isolate 2-3 > /tmp/iso.out 2>&1 || fail isolate "$(cat /tmp/iso.out)"
cat /tmp/iso.out
check partition [ "$(cat $CG/cpuset.cpus.isolated)" = 2-3 ]
check partition-type [ "$(cat $CG/cpuiso.isolated/cpuset.cpus.partition)" = isolated ]
wq=$(cat /sys/devices/virtual/workqueue/cpumask)
check workqueues-off [ $(( 0x$wq & 0xc )) = 0 ]
bad=
for n in $movable; do
	m=$(cat /proc/irq/$n/smp_affinity_list)
	(in_list 2 "$m" || in_list 3 "$m") && ! [ "$m" = 2 -o "$m" = 3 -o "$m" = 2-3 ] &&
		bad="$bad irq$n=$m"
done
check irqs-off test -z "$bad"
check user-irq-narrowed [ "$(cat /proc/irq/$ua/smp_affinity_list)" = 1 ]
kthread_masks noirq | while read -r pid m; do
	if in_list 2 "$m" || in_list 3 "$m"; then echo "kthread $pid $m"; fi
done > /tmp/kt.bad
cat /tmp/kt.bad
check kthreads-off test ! -s /tmp/kt.bad
check reports-tick grep -q '^cpu2: .*; tick: needs nohz_full= at boot' /tmp/iso.out
check reports-rcu grep -q '^cpu2: .*; rcu-callbacks: needs rcu_nocbs= at boot' /tmp/iso.out
# read back from the kernel: a property not reached would be listed
check reports-balancing sh -c "grep -q '^cpu3: online -> isolated' /tmp/iso.out &&
	! grep -q '^cpu3: .*load-balancing: no' /tmp/iso.out"

# a task in the root cgroup cannot run there; one in the partition can,
# and still takes the tick, as the report said
sh -c 'sed -n "s/^Cpus_allowed_list:\t*//p" /proc/self/status' > /tmp/root-mask
check wide-task-off [ "$(cat /tmp/root-mask)" = 0-1 ]
sh -c "echo \$\$ > $CG/cpuiso.isolated/cgroup.procs && exec noise 2 3" > /tmp/noise.out ||
	fail noise-run "$(cat /tmp/noise.out)"
figure compat_loc_per_s "$(val /tmp/noise.out loc_per_s)"
check ran-on-2 [ "$(val /tmp/noise.out ran_on)" = 2 ]

# a user changes one IRQ meanwhile; the release must leave it alone
write 0 /proc/irq/$ub/smp_affinity_list >/dev/null
cpuiso release 2-3 > /tmp/rel.out 2>&1 || fail release "$(cat /tmp/rel.out)"
irq_masks > /tmp/irq.after
grep -v "^$ub " /tmp/irq.before | cut -d' ' -f1,2 > /tmp/a
grep -v "^$ub " /tmp/irq.after | cut -d' ' -f1,2 > /tmp/b
diff /tmp/a /tmp/b
check irqs-restored cmp -s /tmp/a /tmp/b
check user-irq-restored [ "$(cat /proc/irq/$ua/smp_affinity_list)" = 1,3 ]
check user-change-kept [ "$(cat /proc/irq/$ub/smp_affinity_list)" = 0 ]
kthread_masks noirq > /tmp/kt.after
# kthreads gone meanwhile drop out of the comparison
awk 'NR == FNR { m[$1] = $2; next } ($1 in m) && m[$1] != $2' \
	/tmp/kt.before /tmp/kt.after > /tmp/kt.diff
cat /tmp/kt.diff
check kthreads-restored test ! -s /tmp/kt.diff
check workqueues-restored [ "$(cat /sys/devices/virtual/workqueue/cpumask)" = "$wq_before" ]
check partition-gone [ -z "$(cat $CG/cpuset.cpus.isolated)" ]
check no-record [ ! -e /run/cpuiso.compat ]

# the policy on a stock kernel: apply goes through the compat backend
echo 'isolated = 3' > /etc/cpuiso.conf
cpuiso apply > /tmp/apply.out 2>&1 || fail apply "$(cat /tmp/apply.out)"
check apply-partition [ "$(cat $CG/cpuset.cpus.isolated)" = 3 ]
cpuiso apply > /tmp/apply.out 2>&1
check apply-idempotent grep -qx 'nothing to do' /tmp/apply.out
: > /etc/cpuiso.conf	# an empty policy ('isolated =' is refused)
cpuiso apply > /tmp/apply.out 2>&1 || fail apply-empty "$(cat /tmp/apply.out)"
check apply-releases [ -z "$(cat $CG/cpuset.cpus.isolated)" ]
rm /etc/cpuiso.conf
