#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Record what `cpuiso verify` reads, for the unit tests: /proc/interrupts
# and /proc/softirqs before and after a window, and the trace of a tracefs
# instance set up as core/tracefs.c sets its own (same events, mono clock,
# the osnoise tracer without its workload when the kernel has it).  As
# root, on a machine with tracefs mounted; it puts back what it changes.
#
#   tests/record-trace.sh DIR CPU SECONDS
set -euo pipefail
dir=${1:?usage: record-trace.sh DIR CPU SECONDS}
cpu=${2:?}
secs=${3:?}
t=/sys/kernel/tracing
i=$t/instances/cpuiso-record
[ -e $t/trace ] || { echo "record-trace.sh: tracefs is not mounted at $t" >&2; exit 1; }

mkdir -p "$dir/before/proc" "$dir/proc"
mkdir $i
opts= cpus=
cleanup() {
	echo 0 > $i/tracing_on || :
	echo nop > $i/current_tracer || :
	[ -z "$opts" ] || echo "$opts" > $t/osnoise/options || :
	[ -z "$cpus" ] || echo "$cpus" > $t/osnoise/cpus || :
	rmdir $i
}
trap cleanup EXIT
echo 0 > $i/tracing_on
echo mono > $i/trace_clock
for e in irq/irq_handler_entry irq/softirq_entry irq_vectors ipi/ipi_send_cpu \
	 ipi/ipi_send_cpumask workqueue/workqueue_execute_start \
	 timer/timer_expire_entry timer/hrtimer_expire_entry sched/sched_switch; do
	[ -e $i/events/$e/enable ] || continue
	echo 1 > $i/events/$e/enable
	case $e in
	ipi/ipi_send_cpu) f="cpu == $cpu" ;;
	ipi/ipi_send_cpumask) f="cpumask & CPUS{$cpu}" ;;
	*) f="CPU == $cpu" ;;
	esac
	echo "$f" > $i/events/$e/filter 2>/dev/null || echo "no filter $f on $e" >&2
done
if grep -qw osnoise $t/available_tracers && grep -q OSNOISE_WORKLOAD $t/osnoise/options; then
	if grep -q NO_OSNOISE_WORKLOAD $t/osnoise/options; then
		opts=NO_OSNOISE_WORKLOAD
	else
		opts=OSNOISE_WORKLOAD
	fi
	cpus=$(cat $t/osnoise/cpus)
	echo NO_OSNOISE_WORKLOAD > $t/osnoise/options
	echo "$cpu" > $t/osnoise/cpus
	for e in irq_noise softirq_noise thread_noise nmi_noise; do
		echo 1 > $i/events/osnoise/$e/enable
	done
	echo osnoise > $i/current_tracer
fi
echo 1 > $i/tracing_on
cat /proc/interrupts > "$dir/before/proc/interrupts"
cat /proc/softirqs > "$dir/before/proc/softirqs"
sleep "$secs"
cat /proc/interrupts > "$dir/proc/interrupts"
cat /proc/softirqs > "$dir/proc/softirqs"
echo 0 > $i/tracing_on
cat $i/trace > "$dir/trace"
echo "$cpu" > "$dir/cpu"
