# SPDX-License-Identifier: GPL-2.0-or-later
# A CPU isolated at boot (isolcpus=domain,2-3) and released through
# cpuN/state is housekeeping for cpusets too: cpuset.cpus.isolated drops
# it, it is in a sched domain again, and a load-balanced partition may
# take it.
. /tests/lib.sh

p=$cg/cpuiso-part
sched_debug

[ -f $C/cpu2/state ] || { skip all "no cpuN/state (kernel without the series)"; exit 0; }
echo +cpuset > $cg/cgroup.subtree_control || { fail setup "no cpuset controller"; exit 0; }
check boot-listed [ "$(cat $iso)" = 2-3 ]
mkdir -p $p
echo 2 > $p/cpuset.cpus
echo root > $p/cpuset.cpus.partition
check boot-isolated-refused sh -c "grep -q '^root invalid' $p/cpuset.cpus.partition"
echo member > $p/cpuset.cpus.partition

write online $C/cpu2/state >/dev/null || fail release "cannot release CPU 2"
check released [ "$(cat $C/cpu2/state)" = online ]
check released-not-listed [ "$(cat $iso)" = 3 ]
check released-domain has_domain 2
echo root > $p/cpuset.cpus.partition
check released-root-partition [ "$(cat $p/cpuset.cpus.partition)" = root ]
echo member > $p/cpuset.cpus.partition
rmdir $p
write isolated $C/cpu2/state >/dev/null || fail isolate-again "cannot isolate CPU 2"
check listed-again [ "$(cat $iso)" = 2-3 ]
