# SPDX-License-Identifier: GPL-2.0-or-later
# Offline and online CPUs 1-3 in a loop; the masks and cpuiso follow.
. /tests/lib.sh

rounds=${1:-10}
start=$(date +%s)
i=0
while [ $i -lt "$rounds" ]; do
	for cpu in 1 2 3; do
		echo 0 > $C/cpu$cpu/online || { fail "off$cpu" "round $i"; break 2; }
		[ "$(cat $C/cpu$cpu/online)" = 0 ] || { fail "off$cpu" "still online"; break 2; }
		if [ $i = 0 ]; then
			cpuiso status $cpu | grep -Eq "^ *$cpu .* no +offline" ||
				fail status-offline "cpuiso does not show cpu$cpu offline"
		fi
		echo 1 > $C/cpu$cpu/online || { fail "on$cpu" "round $i"; break 2; }
	done
	i=$((i + 1))
done
check all-online [ "$(cat $C/online)" = 0-3 ]
figure hotplug_cycles_per_s "$(awk -v n=$((rounds * 3)) -v s=$(( $(date +%s) - start )) 'BEGIN { printf "%.2f", s ? n / s : n }')"
[ -n "$FAILED" ] || ok cycles
