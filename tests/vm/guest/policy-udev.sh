# SPDX-License-Identifier: GPL-2.0-or-later
# The persistent policy: "cpuiso apply" at boot (what cpuiso.service runs),
# and the udev rules, with a real systemd-udevd, bringing CPUs back to the
# policy after hotplug, also against a rule that onlines CPUs on "add"
# (as RHEL's 40-redhat-hotplug.rules does).  And cpuiso monitor.
. /tests/lib.sh


check rules-installed [ -f /usr/lib/udev/rules.d/90-cpuiso.rules ]
echo 'isolated = 2   # the policy under test' > /etc/cpuiso.conf

cpuiso apply > /tmp/apply.out 2>&1 || fail apply "$(cat /tmp/apply.out)"
check apply-boot [ "$(cpu_state 2)" = isolated ]
cpuiso apply > /tmp/apply.out 2>&1
check apply-idempotent grep -qx 'nothing to do' /tmp/apply.out

mkdir -p /run/udev
/lib/systemd/systemd-udevd --daemon 2>/tmp/udevd.err || fail udevd "$(cat /tmp/udevd.err)"
settle

# a deliberate release stays: its change event carries CPU_STATE
cpuiso release --wait=60 2 > /dev/null || fail release
settle
check release-respected [ "$(cpu_state 2)" = online ]

# hotplug brings the policy back: the online event runs cpuiso apply --cpu 2
cpuiso monitor -J --count 4 > /tmp/monitor.out &
mon=$!
sleep 0.5
write 0 $C/cpu2/online > /dev/null || fail offline2
write 1 $C/cpu2/online > /dev/null || fail online2
settle
check online-reapplies [ "$(cpu_state 2)" = isolated ]
sleep 1
kill $mon 2>/dev/null
wait $mon 2>/dev/null
cat /tmp/monitor.out
check monitor-offline grep -q '"cpu": 2, "action": "offline"' /tmp/monitor.out
check monitor-online grep -q '"cpu": 2, "action": "online"' /tmp/monitor.out
check monitor-change grep -q '"cpu": 2, "action": "change", "cpu-state": "isolated", "state": "isolated"' /tmp/monitor.out

# "add" with a distribution rule that onlines CPUs first: the result is the
# policy whichever rule acts first
echo 'isolated = 2-3' > /etc/cpuiso.conf
mkdir -p /etc/udev/rules.d
echo 'SUBSYSTEM=="cpu", ACTION=="add", TEST=="online", ATTR{online}!="1", ATTR{online}="1"' \
	> /etc/udev/rules.d/40-online-on-add.rules
udevadm control --reload
write 0 $C/cpu3/online > /dev/null || fail offline3
settle
udevadm trigger --action=add --sysname-match=cpu3 --subsystem-match=cpu
settle
check add-converges [ "$(cpu_state 3)" = isolated ]

# the same with the onlining rule ordered after ours
mv /etc/udev/rules.d/40-online-on-add.rules /etc/udev/rules.d/95-online-on-add.rules
udevadm control --reload
write online $C/cpu3/state > /dev/null
write 0 $C/cpu3/online > /dev/null || fail offline3b
settle
udevadm trigger --action=add --sysname-match=cpu3 --subsystem-match=cpu
settle
check add-converges-rule-after [ "$(cpu_state 3)" = isolated ]

# the policy without CPU 3: add on cpu3 releases it
echo 'isolated = 2' > /etc/cpuiso.conf
udevadm trigger --action=add --sysname-match=cpu3 --subsystem-match=cpu
settle
check add-releases [ "$(cpu_state 3)" = online ]

udevadm control --exit
rm -f /etc/cpuiso.conf /etc/udev/rules.d/*-online-on-add.rules
cpuiso release --wait=60 1-3 > /dev/null
check all-released [ -z "$(cat $C/isolated)" ]
