# SPDX-License-Identifier: GPL-2.0-or-later
# Timers that are not pinned leave a CPU when it is isolated: a test
# module arms one on CPU 2 that re-arms itself each jiffy, so it stays
# on the CPU it runs on.  With a spin keeping CPU 2 busy (so that the
# timer migration hierarchy does not expire it elsewhere), it runs on
# CPU 2; once CPU 2 is isolated it runs only on housekeeping CPUs.
. /tests/lib.sh

p=/sys/module/unpinned_timer/parameters/hits
hits() { awk -v c="$1" '$1 == c { print $2 }' $p; }
all_hits() { awk '{ s += $2 } END { print s + 0 }' $p; }

noise 2 10 > /dev/null &
spin=$!
sleep 1
modprobe unpinned_timer cpu=2 || { fail load "modprobe exit $?"; exit 0; }
sleep 1
h=$(hits 2)
figure timer_cpu2_hits_before "$h"
# the set-up puts the timer where the test needs it
check runs-on-cpu2 [ "$h" -gt 50 ]

write isolated $C/cpu2/state >/dev/null || fail isolate "cannot isolate CPU 2"
a=$(hits 2); t=$(all_hits)
sleep 2
b=$(hits 2); u=$(all_hits)
figure timer_cpu2_hits_isolated "$((b - a))"
figure timer_elsewhere_hits_isolated "$((u - t - (b - a)))"
check moved-off [ "$b" = "$a" ]
check still-runs [ $((u - t)) -gt 100 ]

write online $C/cpu2/state >/dev/null || fail release "cannot release CPU 2"
rmmod unpinned_timer || fail unload "rmmod exit $?"
wait $spin
