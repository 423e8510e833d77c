# SPDX-License-Identifier: GPL-2.0-or-later
# The hotplug state list: the core states our isolation path is built on
# are there, named, and every online CPU sits at "online".
. /tests/lib.sh

states=$C/hotplug/states
sed 's/^ *//' $states > /tmp/states
for name in offline sched:waitempty smpboot/threads:online \
	    irq/affinity:online sched:active online; do
	grep -q "^[0-9]*: $name\$" /tmp/states || fail "$name" "missing from $states"
done
online=$(sed -n 's/^\([0-9]*\): online$/\1/p' /tmp/states)
for cpu in 0 1 2 3; do
	[ "$(cat $C/cpu$cpu/hotplug/state)" = "$online" ] ||
		fail "cpu$cpu" "hotplug/state $(cat $C/cpu$cpu/hotplug/state), online is $online"
done
figure hotplug_states "$(wc -l < /tmp/states)"
[ -n "$FAILED" ] || ok list
