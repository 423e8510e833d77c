#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the test guest: mount what the tests need, run the tests named
# by cpuiso_tests=a,b,c on the kernel command line, report each on the
# serial console, and power off (QEMU runs with -no-reboot).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null

arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n 1; }

tests=$(arg cpuiso_tests | tr ',' ' ')
echo "CPUISO-BOOTED kernel=$(uname -r) cpus=$(cat /sys/devices/system/cpu/online)"
for t in $tests; do
	if [ ! -f "/tests/$t.sh" ]; then
		echo "CPUISO-RESULT $t fail no such test"
		continue
	fi
	echo "CPUISO-START $t"
	# each test in its own shell: a failing one cannot stop the others
	if ! sh "/tests/$t.sh"; then
		echo "CPUISO-RESULT $t fail exited non-zero"
	fi
done
echo "CPUISO-DONE"
sync
reboot -f
