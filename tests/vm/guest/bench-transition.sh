# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark, not a test: what a transition costs, side by side in one guest.
#  - echo isolated / echo online on CPU 2 against echo 0 / echo 1 > online;
#  - what an already-isolated CPU 3 running a user-space spin receives
#    while CPU 2 is isolated and released 20 times, against a quiet spell
#    of the same length.
. /tests/lib.sh

modprobe cpuiso || fail modprobe "exit $?"
reps=${1:-10}
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
mean() { awk '{ s += $1 } END { printf "%.1f", NR ? s / NR : 0 }'; }

: > /tmp/iso; : > /tmp/rel; : > /tmp/off; : > /tmp/on
i=0
while [ $i -lt "$reps" ]; do
	t=$(now_ms); write isolated $C/cpu2/state >/dev/null || fail isolate "rep $i"
	u=$(now_ms); write online $C/cpu2/state >/dev/null || fail release "rep $i"
	v=$(now_ms); write 0 $C/cpu2/online >/dev/null || fail offline "rep $i"
	w=$(now_ms); write 1 $C/cpu2/online >/dev/null || fail online "rep $i"
	x=$(now_ms)
	ms "$t" "$u" >> /tmp/iso; ms "$u" "$v" >> /tmp/rel
	ms "$v" "$w" >> /tmp/off; ms "$w" "$x" >> /tmp/on
	i=$((i + 1))
done
figure isolate_ms_mean "$(mean < /tmp/iso)"
figure release_ms_mean "$(mean < /tmp/rel)"
figure offline_ms_mean "$(mean < /tmp/off)"
figure online_ms_mean "$(mean < /tmp/on)"

# CPU 3 isolated and spinning: a quiet spell, then 20 transitions of CPU 2
write isolated $C/cpu3/state >/dev/null || fail isolate3 "cannot isolate CPU 3"
noise 3 8 > /tmp/quiet
noise 3 8 > /tmp/busy &
n=$!
sleep 1
for i in $(seq 20); do
	write isolated $C/cpu2/state >/dev/null
	write online $C/cpu2/state >/dev/null
done
wait $n
for f in quiet busy; do
	for k in irq_total irq.LOC irq.CAL irq.RES irq.TLB softirq_total; do
		figure "cpu3_${f}_${k#irq.}" "$(val /tmp/$f $k | grep . || echo 0)"
	done
done
write online $C/cpu3/state >/dev/null
rmmod cpuiso
[ -n "$FAILED" ] || ok done
