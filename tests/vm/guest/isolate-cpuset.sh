# SPDX-License-Identifier: GPL-2.0-or-later
# cgroup v2 cpusets know of runtime isolation: a CPU in a load-balanced
# partition cannot be isolated (its sched domain spans it), a runtime-
# isolated CPU cannot join such a partition but can join an isolated one,
# and cpuset.cpus.isolated lists runtime-isolated CPUs as it lists CPUs
# isolated at boot, and drops them on release.  Sched domains are read
# from debugfs: an isolated CPU is in none.
. /tests/lib.sh

p=$cg/cpuiso-part
sched_debug
no_domain() { ! has_domain "$1"; }
not_listed() { not_in_list "$1" "$(cat $iso)"; }

echo +cpuset > $cg/cgroup.subtree_control || { fail setup "no cpuset controller"; exit 0; }
mkdir -p $p
echo 2-3 > $p/cpuset.cpus
echo root > $p/cpuset.cpus.partition
check partition-root [ "$(cat $p/cpuset.cpus.partition)" = root ]
check partition-domain has_domain 2

# a CPU of a load-balanced partition stays out of isolation
check refused-in-root-partition [ "$(write isolated $C/cpu2/state)" = "Device or resource busy" ]
check refused-state [ "$(cat $C/cpu2/state)" = online ]
check refused-partition [ "$(cat $p/cpuset.cpus.partition)" = root ]
check refused-domain has_domain 2

echo member > $p/cpuset.cpus.partition
write isolated $C/cpu2/state >/dev/null || fail isolate "cannot isolate CPU 2"
check listed-isolated in_list 2 "$(cat $iso)"
check no-domain-isolated no_domain 2

# a runtime-isolated CPU cannot join a load-balanced partition
echo root > $p/cpuset.cpus.partition
check root-partition-invalid sh -c "grep -q '^root invalid' $p/cpuset.cpus.partition"
check no-domain-after-root no_domain 2
echo member > $p/cpuset.cpus.partition

# but it can join an isolated one, which keeps it isolated after release
echo isolated > $p/cpuset.cpus.partition
check isolated-partition [ "$(cat $p/cpuset.cpus.partition)" = isolated ]
write online $C/cpu2/state >/dev/null || fail release "cannot release CPU 2"
check kept-by-partition in_list 2 "$(cat $iso)"
echo member > $p/cpuset.cpus.partition
check dropped-with-partition [ -z "$(cat $iso)" ]

# released, it is any partition's again
write isolated $C/cpu2/state >/dev/null || fail isolate-again "cannot isolate CPU 2"
write online $C/cpu2/state >/dev/null || fail release-again "cannot release CPU 2"
check released-not-listed not_listed 2
echo root > $p/cpuset.cpus.partition
check root-after-release [ "$(cat $p/cpuset.cpus.partition)" = root ]
check domain-after-release has_domain 2
echo member > $p/cpuset.cpus.partition
rmdir $p
