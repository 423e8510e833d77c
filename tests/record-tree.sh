#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Record the /sys and /proc files cpuiso reads into a directory tree, so
# that unit tests can run against this machine later (lscpu dumps' way).
# POSIX sh and cat only: it runs in the busybox guest too.
#
#   record-tree.sh DESTDIR
set -eu

dest=${1:?usage: record-tree.sh DESTDIR}
mkdir -p "$dest"

# copy one file if readable; sysfs sizes lie, so read it with cat
rec() {
	for f in "$@"; do
		[ -f "$f" ] && [ -r "$f" ] || continue
		mkdir -p "$dest$(dirname "$f")"
		cat "$f" > "$dest$f" 2>/dev/null || rm -f "$dest$f"
	done
}

# a directory whose existence alone is the fact
recdir() {
	for d in "$@"; do
		[ -d "$d" ] && mkdir -p "$dest$d"
	done
	return 0
}

c=/sys/devices/system/cpu
rec $c/possible $c/present $c/online $c/offline $c/kernel_max \
    $c/isolated $c/nohz_full $c/rcu_nocbs $c/hotplug/states
for cpu in $c/cpu[0-9]*; do
	rec $cpu/online $cpu/state $cpu/deferral $cpu/hotplug/state $cpu/hotplug/target \
	    $cpu/topology/core_id $cpu/topology/physical_package_id \
	    $cpu/topology/die_id $cpu/topology/thread_siblings_list \
	    $cpu/topology/core_siblings_list
	recdir $cpu
done

n=/sys/devices/system/node
rec $n/possible $n/online
for node in $n/node[0-9]*; do
	rec $node/cpulist
done

rec /sys/fs/cgroup/cgroup.controllers /sys/fs/cgroup/cgroup.subtree_control \
    /sys/fs/cgroup/cpuset.cpus.isolated /sys/fs/cgroup/cpuset.cpus.effective \
    /sys/devices/virtual/workqueue/cpumask \
    /sys/devices/virtual/workqueue/cpumask_isolated \
    /sys/module/rcutree/parameters/rcu_nocb_gp_stride
recdir /sys/module/rcutree/parameters
# a file, not the bare directory: git keeps no empty directory
rec /sys/module/cpuiso/initstate

# the words after " -- " are init's arguments, not kernel parameters
mkdir -p "$dest/proc"
sed 's/ -- .*//' /proc/cmdline > "$dest/proc/cmdline"
rec /proc/sys/kernel/osrelease /proc/interrupts \
    /proc/softirqs /proc/irq/default_smp_affinity
for irq in /proc/irq/[0-9]*; do
	rec $irq/smp_affinity_list $irq/effective_affinity_list
done
