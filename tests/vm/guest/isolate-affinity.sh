# SPDX-License-Identifier: GPL-2.0-or-later
# cpuiso.ko narrows the masks of root-cpuset tasks nobody bound: the
# narrowing holds through a plain hotplug of another CPU, and a mask a
# cpuset sets while CPU 3 is isolated is not overwritten by the release.
. /tests/lib.sh

modprobe cpuiso || fail modprobe "exit $?"
mask_of() { sed -n 's/^Cpus_allowed_list:\t*//p' /proc/$1/status; }

# narrowing, and a plain hotplug of CPU 1 meanwhile (cpuset's hotplug
# handling sets the masks of child cpusets' tasks, not these)
sleep 1000 &
wide=$!
check wide-at-start [ "$(mask_of $wide)" = 0-3 ]
write isolated $C/cpu3/state >/dev/null || fail isolate "cannot isolate CPU 3"
check narrowed [ "$(mask_of $wide)" = 0-2 ]
write 0 $C/cpu1/online >/dev/null || fail offline1
write 1 $C/cpu1/online >/dev/null || fail online1
check narrowed-after-hotplug [ "$(mask_of $wide)" = 0-2 ]
write online $C/cpu3/state >/dev/null || fail release "cannot release CPU 3"
check widened [ "$(mask_of $wide)" = 0-3 ]

# A mask set meanwhile by somebody else survives the release: a task the
# isolation narrowed moves into a child cpuset (CPUs 0-1), whose attach
# sets its mask; the release's compare-and-set finds a mask that is no
# longer the module's and leaves it.  A restore that set the record's
# mask regardless gave the task 0-3, CPUs outside its cpuset.  (A mask
# from sched_setaffinity() would not show it: the scheduler intersects
# any later mask with the user's request.)
echo +cpuset > $cg/cgroup.subtree_control || fail cpuset "no cpuset controller"
mkdir -p $cg/cpuiso-aff
echo 0-1 > $cg/cpuiso-aff/cpuset.cpus
bad=0 lost=0
for i in 1 2 3; do
	sleep 1000 &
	t=$!
	write isolated $C/cpu3/state >/dev/null || bad=$((bad + 1))
	[ "$(mask_of $t)" = 0-2 ] || bad=$((bad + 1))
	echo $t > $cg/cpuiso-aff/cgroup.procs || bad=$((bad + 1))
	write online $C/cpu3/state >/dev/null || bad=$((bad + 1))
	m=$(mask_of $t)
	[ "$m" = 0-1 ] || { lost=$((lost + 1)); echo "# cycle $i: cpuset task's mask $m after release"; }
	kill $t
	wait $t 2>/dev/null
done
check cpuset-cycles [ "$bad" = 0 ]
check cpuset-mask-kept [ "$lost" = 0 ]
rmdir $cg/cpuiso-aff
kill $wide
rmmod cpuiso
