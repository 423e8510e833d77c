# SPDX-License-Identifier: GPL-2.0-or-later
# A CPU hot-added while the system runs (QEMU device_add through
# run-guest.sh --qmp; meson boots --smp 4,maxcpus=5 --online-capable) gets
# its cpuN/state file with its device: udev finds it when it handles the
# "add" event, and the persistent policy isolates the new CPU once it is
# online, with the tick stopped there.
. /tests/lib.sh

new=4
# qmp '{...}': a QMP command, run by run-guest.sh's tests/vm/qmp.py
qmp() { echo "CPUISO-QMP $1"; }

check possible [ "$(cat $C/possible)" = 0-$new ]
check not-present [ "$(cat $C/present)" = 0-$((new - 1)) ]
check no-device [ ! -e $C/cpu$new ]

modprobe cpuiso || fail modprobe "exit $?"
echo "isolated = $new" > /etc/cpuiso.conf
# what udev sees while it handles the add event
mkdir -p /etc/udev/rules.d /run/udev
echo "SUBSYSTEM==\"cpu\", ACTION==\"add\", KERNEL==\"cpu$new\", TEST==\"state\", RUN+=\"/bin/touch /tmp/state-at-add\"" \
	> /etc/udev/rules.d/10-state-at-add.rules
/lib/systemd/systemd-udevd --daemon 2>/tmp/udevd.err || fail udevd "$(cat /tmp/udevd.err)"
settle

slot='"driver": "max-x86_64-cpu", "socket-id": 0, "core-id": 4, "thread-id": 0'
qmp "{\"execute\": \"device_add\", \"arguments\": {$slot, \"id\": \"hotcpu\"}}"
i=0
while [ ! -e $C/cpu$new ] && [ $i -lt 300 ]; do
	sleep 0.2
	i=$((i + 1))
done
if [ ! -e $C/cpu$new ]; then
	fail hot-added "cpu$new did not appear in 60 s"
	udevadm control --exit
	exit 0
fi
ok hot-added
settle
check state-file [ -f $C/cpu$new/state ]
check state-at-add [ -e /tmp/state-at-add ]
# the rules leave a CPU that comes offline offline
check offline [ "$(cpu_state $new)" = offline ]

# onlining it sends "online": the policy's rule isolates it
write 1 $C/cpu$new/online > /dev/null || fail online "cannot online cpu$new"
settle
check policy-isolates [ "$(cpu_state $new)" = isolated ]
check nohz-full in_list $new "$(cat $C/nohz_full)"
check isolated-list in_list $new "$(cat $C/isolated)"
# the kernel's view: a user-space spin there takes no tick
noise $new 3 > /tmp/spin.out
loc=$(row /tmp/spin.out LOC)
figure hotadd_spin_loc "$loc"
check tick-stopped lt "$loc" 30

# released by hand, it is a housekeeping CPU again
rm /etc/cpuiso.conf
cpuiso release --wait=60 $new > /tmp/release.out 2>&1 || fail release "$(cat /tmp/release.out)"
settle
check released [ "$(cpu_state $new)" = online ]
check nohz-full-back not_in_list $new "$(cat $C/nohz_full)"
noise $new 3 > /tmp/spin.out
loc=$(row /tmp/spin.out LOC)
figure hotadd_released_loc "$loc"
check tick-back lt 300 "$loc"

udevadm control --exit
rm -f /etc/udev/rules.d/10-state-at-add.rules
