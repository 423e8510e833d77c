#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Boot the test kernel in QEMU (TCG) with one group of guest tests and turn
# the serial log into TAP.  A panic, oops, WARN, BUG, lockdep report, RCU
# stall or time-out anywhere fails the run.
#
#   run-guest.sh [--smp N[,TOPOLOGY]] [--timeout SECONDS] [--variant lockdep|fast|stock|arm64|ppc64le]
#                [--record DIR] [--qmp] [--online-capable] GROUP
#
# --qmp: a QMP socket, and tests/vm/qmp.py runs the QMP commands the guest
# prints (CPUISO-QMP {...}), such as device_add of a CPU;
# --online-capable: the absent CPUs of --smp N,maxcpus=M can be hot-added
# (a first boot prints the firmware's FADT and MADT, tests/vm/acpi63.py
# makes them ACPI 6.3 tables with those CPUs online capable, and the
# kernel's ACPI table upgrade takes them from the initrd)
set -uo pipefail
. "$(dirname "$0")/common.sh"

smp=4
tmo=1800
variant=lockdep
record=
qmp_on=
online_capable=
while [ $# -gt 1 ]; do
	case $1 in
	--smp) smp=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--variant) variant=$2; shift 2 ;;
	--record) record=$2; shift 2 ;;
	--qmp) qmp_on=1; shift ;;
	--online-capable) online_capable=1; shift ;;
	*) die "unknown option $1" ;;
	esac
done
group=${1:?usage: run-guest.sh [options] GROUP}
# N, or N,sockets=S,cores=C,threads=T as qemu takes it
ncpu=${smp%%,*}
[[ "$ncpu" =~ ^[0-9]+$ ]] && [ "$ncpu" -ge 2 ] && [ "$ncpu" -le 64 ] ||
	die "--smp takes 2..64 CPUs"

line=$(grep -E "^$group[[:space:]]*\|" "$top/tests/vm/groups.conf") ||
	die "no group '$group' in groups.conf"
append=$(echo "$line" | cut -d'|' -f2 | xargs)
tests=$(echo "$line" | cut -d'|' -f3 | xargs | tr ' ' ',')
if [ -n "$record" ]; then
	tests=$tests,record
	append="$append cpuiso_record=$group"
fi

out=${CPUISO_VM_OUT:-$cache/guest}
logs=$CPUISO_VM_LOGS
mkdir -p "$out" "$logs"
# CPUISO_KERNEL_DIR: a kernel being worked on (bzImage and linux/ inside)
kdir=${CPUISO_KERNEL_DIR:-$("$top/tests/vm/build-kernel.sh" "$variant")} ||
	die "kernel build failed"
initrd=$("$top/tests/vm/build-guest.sh" "$kdir" "$out/$variant" "$variant") ||
	die "guest build failed"

variant_target "$variant"
machine=("${qemu[@]}" -kernel "$kdir/$(basename "$image")")
if [ "$arch" = x86_64 ]; then
	# a 2-queue virtio disk: its queue IRQs are managed, each over 2 CPUs
	disk=$out/disk.img
	[ -f "$disk" ] || truncate -s 16M "$disk"
	machine+=(-drive "file=$disk,if=none,id=d0,format=raw"
		  -device "virtio-blk-pci,drive=d0,num-queues=2")
fi

# boot LOG INITRD APPEND: one boot, its serial console in LOG
boot() {
	# One TCG thread for all vCPUs: with a thread per vCPU, a CPU can run
	# a stale translation of code another CPU is patching (text_poke_bp()
	# with CONFIG_JUMP_LABEL) and trip an int3 the kernel no longer
	# expects ("Oops: int3", seen at boot and in transitions).
	timeout --kill-after=10 "$tmo" "${machine[@]}" \
		-accel tcg,thread=single -smp "$smp" -m 1G \
		-nographic -no-reboot -serial stdio -monitor none \
		"${qmp[@]}" -initrd "$2" \
		-append "console=$console panic=-1 $3" </dev/null >"$1" 2>&1
}

qmp=()
if [ -n "$online_capable" ]; then
	early=$(mktemp -d)
	boot "$logs/$group.acpi.log" "$initrd" cpuiso_tests=dump-acpi
	for t in FACP APIC; do
		tr -d '\r' < "$logs/$group.acpi.log" |
			sed -n "/^CPUISO-ACPI-BEGIN $t/,/^CPUISO-ACPI-END/p" |
			grep -E '^[A-Za-z0-9+/=]+$' |
			base64 -d > "$early/$t" || die "no $t table from the first boot"
	done
	mkdir -p "$early/cpio/kernel/firmware/acpi"
	python3 "$top/tests/vm/acpi63.py" "$early/FACP" "$early/APIC" \
		"$early/cpio/kernel/firmware/acpi" || die "ACPI tables not upgraded"
	# the upgrade reads an uncompressed cpio at the start of the initrd
	{ (cd "$early/cpio" && find kernel | cpio -o -H newc --quiet); cat "$initrd"; } \
		> "$out/$variant/initrd-online-capable.img"
	initrd=$out/$variant/initrd-online-capable.img
	rm -rf "$early"
fi

log=$logs/$group.log
echo "# $group: smp=$smp kernel=$kdir"
echo "# serial log: $log"
if [ -n "$qmp_on" ]; then
	qmpdir=$(mktemp -d)
	trap 'rm -rf "$qmpdir"' EXIT
	qmp=(-qmp "unix:$qmpdir/qmp,server=on,wait=off")
	: > "$log"
	python3 "$top/tests/vm/qmp.py" "$qmpdir/qmp" "$log" 2>"$logs/$group.qmp" &
fi
start=$(date +%s)
boot "$log" "$initrd" "cpuiso_tests=$tests $append"
rc=$?
echo "# qemu exited $rc after $(( $(date +%s) - start )) s"
if [ -n "$qmp_on" ]; then
	wait
	sed 's/^/# /' "$logs/$group.qmp"
fi

n=0
failed=0
tap() {	# tap ok|fail|skip|todo NAME [WHY]
	n=$((n + 1))
	case $1 in
	ok) echo "ok $n - $group/$2" ;;
	skip) echo "ok $n - $group/$2 # SKIP ${3:-}" ;;
	todo) echo "not ok $n - $group/$2 # TODO ${3:-}" ;;
	*) echo "not ok $n - $group/$2${3:+: $3}"; failed=$((failed + 1)) ;;
	esac
}

# serial lines end in \r
tr -d '\r' < "$log" > "$log.txt"
grep -q '^CPUISO-BOOTED' "$log.txt" && tap ok boot || tap fail boot "no CPUISO-BOOTED"
while read -r _ name verdict why; do
	tap "$verdict" "$name" "$why"
done < <(grep '^CPUISO-RESULT ' "$log.txt")
if [ $rc = 124 ] || [ $rc = 137 ]; then
	tap fail completed "timed out after $tmo s"
elif grep -q '^CPUISO-DONE' "$log.txt"; then
	tap ok completed
else
	tap fail completed "guest died (qemu exit $rc)"
fi

bad='Kernel panic|BUG:|WARNING:|Oops|general protection|Call Trace:|possible recursive locking|circular locking|inconsistent lock state|detected stall|stall on CPU|INFO: task .* blocked|lockdep is turned off|DEBUG_LOCKS_WARN_ON'
if grep -Eq "$bad" "$log.txt"; then
	tap fail kernel-log "$(grep -Em1 "$bad" "$log.txt")"
	grep -En -A20 -m1 "$bad" "$log.txt" | sed 's/^/#   /'
else
	tap ok kernel-log
fi

sed -n 's/^CPUISO-FIGURE /# figure /p' "$log.txt"
sed -n 's/^CPUISO-FIGURE //p' "$log.txt" > "$logs/$group.figures"
# CI shows a failing test's stderr only: the figures that go with it
[ $failed = 0 ] || sed -n 's/^CPUISO-FIGURE /# figure /p' "$log.txt" >&2

if [ -n "$record" ]; then
	mkdir -p "$record/$group"
	sed -n '/^CPUISO-TREE-BEGIN/,/^CPUISO-TREE-END/p' "$log.txt" |
		sed '1d;$d' | base64 -d | tar -xzf - -C "$record/$group" ||
		tap fail record "tree did not decode"
fi

echo "1..$n"
[ $failed = 0 ]
