#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runtime isolation against boot-time isolation, one run: boot the same
# kernel with nohz_full= rcu_nocbs= isolcpus= (group bootiso) and without
# parameters, CPU 2 isolated through cpu2/state (group runtime-iso), and
# compare the noise a spin on CPU 2 takes.  Runtime isolation may take no
# more timer interrupts and no more RCU softirqs per second than
# boot-time isolation, with one event over the window of slack (0.25/s:
# the spin lasts 5 s and its window a little more, so one event moves a
# rate by about 0.2/s and rounding can put it just over).  Both counts
# are small, and both setups take an RCU softirq now and then
# (docs/results.md says when).  TAP on stdout.
set -uo pipefail
. "$(dirname "$0")/common.sh"

logs=$CPUISO_VM_LOGS
n=0
failed=0
tap() {	# tap ok|fail NAME [WHY]
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2${3:+: $3}"; failed=1; fi
}
fig() { sed -n "s/^$2=//p" "$logs/$1.figures" 2>/dev/null; }

for group in bootiso runtime-iso; do
	if "$top/tests/vm/run-guest.sh" "$group" > "$logs/$group.tap" 2>&1; then
		tap ok "$group guest"
	else
		tap fail "$group guest" "see $logs/$group.tap"
	fi
done

boot=$(fig bootiso loc_per_s)
rt=$(fig runtime-iso loc_per_s)
rcu=$(fig runtime-iso rcu_softirq_per_s)
echo "# timer IRQ/s on CPU 2: boot-time isolation ${boot:-?}, runtime isolation ${rt:-?}"
echo "# RCU softirq/s on CPU 2: boot-time $(fig bootiso rcu_softirq_per_s), runtime ${rcu:-?}"
if [ -n "$boot" ] && [ -n "$rt" ] &&
   awk -v r="$rt" -v b="$boot" 'BEGIN { exit !(r <= b + 0.25) }'; then
	tap ok "runtime timer IRQ/s $rt <= boot-time $boot (+0.25)"
else
	tap fail "runtime timer IRQ/s" "runtime ${rt:-?} against boot-time ${boot:-?}"
fi
brcu=$(fig bootiso rcu_softirq_per_s)
if [ -n "$rcu" ] && [ -n "$brcu" ] &&
   awk -v r="$rcu" -v b="$brcu" 'BEGIN { exit !(r <= b + 0.25) }'; then
	tap ok "runtime RCU softirq/s $rcu <= boot-time $brcu (+0.25)"
else
	tap fail "runtime RCU softirq/s" "runtime ${rcu:-?} against boot-time ${brcu:-?}"
fi
echo "1..$n"
exit $failed
