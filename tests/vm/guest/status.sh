# SPDX-License-Identifier: GPL-2.0-or-later
# cpuiso status on the guest: it runs, sees every CPU, agrees with sysfs.
. /tests/lib.sh

cpuiso status || fail run "cpuiso status exited $?"
cpuiso status -J > /tmp/status.json || fail json "exit $?"
n=$(grep -c '"cpu":' /tmp/status.json)
check cpus [ "$n" = "$(ls -d $C/cpu[0-9]* | wc -l)" ]

# the ISOLATED and NOHZ_FULL columns say what the kernel files say
# ("-" for NOHZ_FULL when the kernel has no cpu/nohz_full)
iso=$(cat $C/isolated)
nohz=-
[ -e $C/nohz_full ] && nohz=$(cat $C/nohz_full)
cpuiso status | awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1, $7, $8 }' > /tmp/cols
[ -s /tmp/cols ] || fail columns "no CPU rows in cpuiso status"
while read -r cpu isolated nohz_col; do
	want=no
	in_list "$cpu" "$iso" && want=yes
	[ "$isolated" = "$want" ] || fail "cpu$cpu" "ISOLATED $isolated, cpu/isolated '$iso'"
	want=no
	if [ "$nohz" = - ]; then
		want=-
	elif in_list "$cpu" "$nohz"; then
		want=yes
	fi
	[ "$nohz_col" = "$want" ] || fail "cpu$cpu" "NOHZ_FULL $nohz_col, cpu/nohz_full '$nohz'"
done < /tmp/cols
[ -n "$FAILED" ] || ok columns
