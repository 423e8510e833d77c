# SPDX-License-Identifier: GPL-2.0-or-later
# A user-space spin pinned on CPU 2: how often does the kernel interrupt it?
# NOISE_MAX_LOC (per second) is the bound this boot must meet; it comes
# from cpuiso_noise_max= on the command line.
. /tests/lib.sh

cpu=2
# long enough that one event of jitter is a small part of a rate
secs=10
max=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^cpuiso_noise_max=//p')
min=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^cpuiso_noise_min=//p')
# let what the boot or a transition started settle, in every setup alike
sleep 1
noise $cpu $secs > /tmp/noise.out || { fail run "noise exited $?"; exit 0; }
cat /tmp/noise.out
loc=$(val /tmp/noise.out loc_per_s)
figure loc_per_s "$loc"
figure timer_softirq_per_s "$(val /tmp/noise.out timer_softirq_per_s)"
figure rcu_softirq_per_s "$(val /tmp/noise.out rcu_softirq_per_s)"
figure irq_per_s "$(val /tmp/noise.out irq_per_s)"
# the counts behind the rates, for comparisons that allow whole events
figure seconds "$(val /tmp/noise.out seconds)"
figure loc_count "$(val /tmp/noise.out loc_count)"
figure rcu_softirq_count "$(val /tmp/noise.out rcu_softirq_count)"
check pinned [ "$(val /tmp/noise.out ran_on)" = $cpu ]
[ -z "$max" ] || check "max$max" lt "$loc" "$max"
[ -z "$min" ] || check "min$min" lt "$min" "$loc"
