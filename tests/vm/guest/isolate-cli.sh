# SPDX-License-Identifier: GPL-2.0-or-later
# cpuiso isolate / release on the patched kernel: the kernel's files agree.
. /tests/lib.sh

# cpuiso loads cpuiso.ko itself (libkmod) before it isolates
[ -d /sys/module/cpuiso ] && rmmod cpuiso
check module-unloaded [ ! -d /sys/module/cpuiso ]
cpuiso isolate 2-3 > /tmp/out 2>&1 || fail isolate "$(cat /tmp/out)"
check module-loaded [ -d /sys/module/cpuiso ]
check states [ "$(cat $C/cpu2/state)$(cat $C/cpu3/state)" = isolatedisolated ]
check isolated-file [ "$(cat $C/isolated)" = 2-3 ]
cpuiso status 2-3 | grep -Eq '^ *3 .* isolated +yes' || fail status "$(cpuiso status 2-3)"

# refused whole: nothing changes
if cpuiso isolate 0-1 > /tmp/out 2>&1; then
	fail refused "isolate 0-1 succeeded"
else
	check refused-exit [ $? = 1 ]
fi
check refused-nothing [ "$(cat $C/cpu1/state)" = online ]

cpuiso release 2-3 > /tmp/out 2>&1 || fail release "$(cat /tmp/out)"
check released [ -z "$(cat $C/isolated)" ]
check released-states [ "$(cat $C/cpu2/state)$(cat $C/cpu3/state)" = onlineonline ]
rmmod cpuiso
