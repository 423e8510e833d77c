# SPDX-License-Identifier: GPL-2.0-or-later
# cpuiso.ko narrows the masks of root-cpuset tasks nobody bound while a user
# sets them: sched_setaffinity() racing isolate and release of CPU 3, over
# and over.  Whatever the interleaving, the task ends with the mask the user
# set last, and the narrowing held through a plain hotplug of another CPU.
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

# the race: none of the user's masks is the one the isolation sets (0-2).
# Before each set, the setter reads the mask: it must be the one it set
# last, or that mask without CPU 3 (narrowed by an isolation since); a
# set overwritten by a stale narrowing or restore shows as anything else.
narrow() { case $1 in 0-3) echo 0-2 ;; 1-3) echo 1-2 ;; *) echo "$1" ;; esac; }
rm -f /tmp/stop /tmp/lost
(
	i=0 last=
	while [ ! -e /tmp/stop ]; do
		cur=$(mask_of $wide)
		[ -z "$last" ] || [ "$cur" = "$last" ] || [ "$cur" = "$(narrow $last)" ] ||
			echo "set $last, found $cur" >> /tmp/lost
		case $((i % 3)) in
		0) m=0-1 ;; 1) m=0-3 ;; *) m=1-3 ;;
		esac
		taskset -p -c $m $wide >/dev/null && last=$m
		i=$((i + 1))
	done
	echo $i > /tmp/sets
	echo "$last" > /tmp/last
) &
setter=$!
bad=0
for i in $(seq 20); do
	write isolated $C/cpu3/state >/dev/null || bad=$((bad + 1))
	write online $C/cpu3/state >/dev/null || bad=$((bad + 1))
done
touch /tmp/stop
wait $setter
figure affinity_race_sets "$(cat /tmp/sets)"
check race-transitions [ "$bad" = 0 ]
check race-no-set-lost [ ! -s /tmp/lost ]
[ -s /tmp/lost ] && head -n 5 /tmp/lost
check race-last-user-mask [ "$(mask_of $wide)" = "$(cat /tmp/last)" ]
kill $wide
rmmod cpuiso
