#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Boot the test kernel in QEMU (TCG) with one group of guest tests and turn
# the serial log into TAP.  A panic, oops, WARN, BUG, lockdep report, RCU
# stall or time-out anywhere fails the run.
#
#   run-guest.sh [--smp N[,TOPOLOGY]] [--timeout SECONDS] [--variant lockdep|fast|stock]
#                [--record DIR] GROUP
set -uo pipefail
. "$(dirname "$0")/common.sh"

smp=4
tmo=1800
variant=lockdep
record=
while [ $# -gt 1 ]; do
	case $1 in
	--smp) smp=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--variant) variant=$2; shift 2 ;;
	--record) record=$2; shift 2 ;;
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
initrd=$("$top/tests/vm/build-guest.sh" "$kdir" "$out/$variant") ||
	die "guest build failed"

# a 2-queue virtio disk: its queue IRQs are managed, each over 2 CPUs
disk=$out/disk.img
[ -f "$disk" ] || truncate -s 16M "$disk"

log=$logs/$group.log
echo "# $group: smp=$smp kernel=$kdir"
echo "# serial log: $log"
start=$(date +%s)
# One TCG thread for all vCPUs: with a thread per vCPU, a CPU can run a
# stale translation of code another CPU is patching (text_poke_bp() with
# CONFIG_JUMP_LABEL) and trip an int3 the kernel no longer expects
# ("Oops: int3", seen at boot and in transitions).
timeout --kill-after=10 "$tmo" qemu-system-x86_64 \
	-accel tcg,thread=single -cpu max -smp "$smp" -m 1G \
	-nographic -no-reboot -serial stdio -monitor none \
	-kernel "$kdir/bzImage" -initrd "$initrd" \
	-drive "file=$disk,if=none,id=d0,format=raw" \
	-device "virtio-blk-pci,drive=d0,num-queues=2" \
	-append "console=ttyS0 panic=-1 cpuiso_tests=$tests $append" \
	</dev/null >"$log" 2>&1
rc=$?
echo "# qemu exited $rc after $(( $(date +%s) - start )) s"

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
