# SPDX-License-Identifier: GPL-2.0-or-later
# cpuiso status on the guest: it runs, sees every CPU, agrees with sysfs.
. /tests/lib.sh

cpuiso status || fail run "cpuiso status exited $?"
cpuiso status -J > /tmp/status.json || fail json "exit $?"
n=$(grep -c '"cpu":' /tmp/status.json)
check cpus [ "$n" = "$(ls -d $C/cpu[0-9]* | wc -l)" ]

# the ISOLATED and NOHZ_FULL columns say what the kernel files say
iso=$(cat $C/isolated)
cpuiso status | awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1, $7, $8 }' > /tmp/cols
while read -r cpu isolated nohz; do
	want=no
	for c in $(echo "$iso" | tr ',' ' '); do
		case $c in
		*-*) [ "$cpu" -ge "${c%-*}" ] && [ "$cpu" -le "${c#*-}" ] && want=yes ;;
		*) [ "$cpu" = "$c" ] && want=yes ;;
		esac
	done
	[ "$isolated" = "$want" ] || fail "cpu$cpu" "ISOLATED $isolated, cpu/isolated '$iso'"
done < /tmp/cols
[ -n "$FAILED" ] || ok columns
