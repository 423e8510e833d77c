# SPDX-License-Identifier: GPL-2.0-or-later
# cpuiso.ko built against this kernel: found by the probe, loads, unloads.
. /tests/lib.sh

cpuiso status | grep -q "^module *yes *not loaded, installed at /lib/modules/.*/extra/cpuiso.ko" ||
	fail probe-installed "$(cpuiso status | grep ^module)"
modprobe cpuiso || fail load "modprobe exited $?"
check loaded [ -d /sys/module/cpuiso ]
cpuiso status | grep -q "^module *yes *cpuiso module loaded" ||
	fail probe-loaded "$(cpuiso status | grep ^module)"
rmmod cpuiso || fail unload "rmmod exited $?"
check unloaded [ ! -d /sys/module/cpuiso ]
[ -n "$FAILED" ] || ok probe
