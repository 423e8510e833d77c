# SPDX-License-Identifier: GPL-2.0-or-later
# Booted with nohz_full=2-3 isolcpus=...,2-3: cpuiso status reports it.
. /tests/lib.sh

check isolated-file [ "$(cat $C/isolated)" = 2-3 ]
check nohz-file [ "$(cat $C/nohz_full)" = 2-3 ]
cpuiso status | awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1, $6, $7, $8 }' > /tmp/cols
check rows grep -qx '2 isolated yes yes' /tmp/cols
check rows3 grep -qx '3 isolated yes yes' /tmp/cols
check rows1 grep -qx '1 online no no' /tmp/cols
cpuiso status | grep -q '^boot-isolation *yes *nohz_full=2-3' ||
	fail capability "boot-isolation not reported"
[ -n "$FAILED" ] || ok capability
# rcu_nocbs= at boot: every CPU gets its rcuo kthread, offloaded or not,
# as without the series (runtime isolation spawns them lazily otherwise)
for c in 0 1 2 3; do
	ls /proc/[0-9]*/comm | while read -r f; do cat "$f"; done 2>/dev/null |
		grep -qx "rcuo[ps]/$c" || fail rcuo-$c "no rcuo kthread for CPU $c"
done
[ -n "$FAILED" ] || ok rcuo-every-cpu
