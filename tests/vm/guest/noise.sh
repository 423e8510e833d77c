# SPDX-License-Identifier: GPL-2.0-or-later
# A user-space spin pinned on CPU 2: how often does the kernel interrupt it?
# NOISE_MAX_LOC (per second) is the bound this boot must meet; it comes
# from cpuiso_noise_max= on the command line.
#
# Three windows, one after the other; the figures and the bounds are those
# of the median window by timer interrupts, so one rare event in one window
# (a host stall under TCG bunching the fair server's ~1/s events) does not
# decide, while an excess every window has does.  Each window's count and
# traced causes are kept as figures, the outlier too.
. /tests/lib.sh

cpu=2
# long enough that one event of jitter is a small part of a rate
secs=10
max=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^cpuiso_noise_max=//p')
min=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^cpuiso_noise_min=//p')
# let what the boot or a transition started settle, in every setup alike
sleep 1
for w in 1 2 3; do
	noise $cpu $secs trace > /tmp/noise.$w ||
		{ fail run "noise exited $? in window $w"; exit 0; }
	figure "loc_count_$w" "$(val /tmp/noise.$w loc_count)"
	figure "causes_$w" "$(grep '^cause\.' /tmp/noise.$w | tr '\n' ' ')"
done
# the median window: sort the three by LOC count, take the middle one
mid=$(for w in 1 2 3; do echo "$(val /tmp/noise.$w loc_count) $w"; done |
	sort -n | sed -n '2s/.* //p')
cp /tmp/noise.$mid /tmp/noise.out
cat /tmp/noise.out
figure median_window "$mid"
loc=$(val /tmp/noise.out loc_per_s)
figure loc_per_s "$loc"
figure timer_softirq_per_s "$(val /tmp/noise.out timer_softirq_per_s)"
figure rcu_softirq_per_s "$(val /tmp/noise.out rcu_softirq_per_s)"
figure irq_per_s "$(val /tmp/noise.out irq_per_s)"
# the counts behind the rates, for comparisons that allow whole events
figure seconds "$(val /tmp/noise.out seconds)"
figure loc_count "$(val /tmp/noise.out loc_count)"
figure rcu_softirq_count "$(val /tmp/noise.out rcu_softirq_count)"
for w in 1 2 3; do
	check "pinned-$w" [ "$(val /tmp/noise.$w ran_on)" = $cpu ]
done
[ -z "$max" ] || check "max$max" lt "$loc" "$max"
[ -z "$min" ] || check "min$min" lt "$min" "$loc"
