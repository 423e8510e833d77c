# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by every guest test: report results and figures on the console.
# The runner turns "CPUISO-RESULT name ok|fail|skip|todo why" into TAP.

T=$(basename "$0" .sh)
C=/sys/devices/system/cpu

ok() { echo "CPUISO-RESULT $T${1:+/$1} ok${2:+ $2}"; }
fail() { echo "CPUISO-RESULT $T${1:+/$1} fail ${2:-}"; FAILED=1; }
skip() { echo "CPUISO-RESULT $T${1:+/$1} skip ${2:-}"; }
# a known defect, reported (TAP "not ok # TODO") and named in the notes
todo() { echo "CPUISO-RESULT $T${1:+/$1} todo ${2:-}"; }
figure() { echo "CPUISO-FIGURE $1=$2"; }

# check SUBNAME COMMAND...: one result from a command's success
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name" "$*"; fi
}

# key=value from the noise helper's output in $1
val() { sed -n "s/^$2=//p" "$1"; }
# row OUT NAME: the count of /proc/interrupts row NAME in noise output, 0 if none
row() { val "$1" "irq.$2" | grep . || echo 0; }

# awk float comparison: lt A B; a missing or non-numeric value fails
lt() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^-?[0-9]+(\.[0-9]+)?$/ || b !~ /^-?[0-9]+(\.[0-9]+)?$/) exit 1
		exit !(a < b) }'
}

# in_list CPU LIST: is CPU in a cpulist such as "0-1,3"?
in_list() {
	local c
	for c in $(echo "$2" | tr ',' ' '); do
		case $c in
		*-*) [ "$1" -ge "${c%-*}" ] && [ "$1" -le "${c#*-}" ] && return 0 ;;
		*) [ "$1" = "$c" ] && return 0 ;;
		esac
	done
	return 1
}
not_in_list() { ! in_list "$@"; }

# cpu_state CPU: what cpuN/state reads
cpu_state() { cat $C/cpu$1/state; }
# wait for udev to handle the events queued so far
settle() { udevadm settle --timeout=30 || fail settle "udevadm settle timed out"; }

# Unbound kthreads, "pid mask" a line: PF_KTHREAD set, PF_NO_SETAFFINITY
# clear (per-CPU kthreads and workqueue workers have it).  With "noirq",
# without the threads of threaded IRQs: their mask follows the IRQ's
# effective affinity, which the kernel picks, not a user.
kthread_masks() {
	local d pid flags
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		if [ "${1:-}" = noirq ]; then
			case $(cat "$d/comm" 2>/dev/null) in irq/*) continue ;; esac
		fi
		flags=$(sed 's/.*) //' "$d/stat" 2>/dev/null | cut -d' ' -f7)
		[ -n "$flags" ] || continue
		[ $((flags & 0x00200000)) != 0 ] || continue
		[ $((flags & 0x04000000)) = 0 ] || continue
		echo "$pid $(sed -n 's/^Cpus_allowed_list:\t*//p' "$d/status")"
	done
}

# Interrupts with an affinity file, "irq mask effective" a line.
irq_masks() {
	local d
	for d in /proc/irq/[0-9]*; do
		[ -f "$d/smp_affinity_list" ] || continue
		echo "${d#/proc/irq/} $(cat "$d/smp_affinity_list") $(cat "$d/effective_affinity_list" 2>/dev/null)"
	done
}

# write VALUE FILE: like echo VALUE > FILE, the errno's text on failure
write() { noise write "$2" "$1"; }

now_ms() { noise now; }

# pid_of COMM: the processes or threads named COMM
pid_of() {
	local d
	for d in /proc/[0-9]*; do
		[ "$(cat $d/comm 2>/dev/null)" = "$1" ] && echo ${d#/proc/}
	done
}
# runs PID: how often a thread ran (its context switches)
runs() { awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' /proc/$1/status; }
# stopper_runs CPU...: how often the stopper threads of these CPUs ran.
# One pass over /proc with the shell's read: a pid_of per CPU forks a cat
# per process, minutes in a 32-vCPU guest.
stopper_runs() {
	local d comm s=0
	for d in /proc/[0-9]*; do
		{ read -r comm < "$d/comm"; } 2>/dev/null || continue
		case $comm in migration/*) ;; *) continue ;; esac
		case " $* " in
		*" ${comm#migration/} "*) s=$((s + $(runs "${d#/proc/}"))) ;;
		esac
	done
	echo $s
}

# kworker_runs CPU: how often CPU's per-CPU kworkers ran (work queued there)
kworker_runs() {
	local d comm s=0
	for d in /proc/[0-9]*; do
		{ read -r comm < "$d/comm"; } 2>/dev/null || continue
		case $comm in kworker/$1:*) s=$((s + $(runs "${d#/proc/}"))) ;; esac
	done
	echo $s
}

# deferral CPU KEY: a field of CPU's line in the deferral counters
# (debugfs cpu_isolation_defer: "active|off", "user|kernel", NAME=N)
defer_dbg=/sys/kernel/debug/cpu_isolation_defer
deferral() {
	awk -v c="$1" -v k="$2" '$1 == c {
		for (i = 2; i <= NF; i++) {
			if (k == "mode" && i == 3) print $i
			if (k == "active" && i == 2) print $i
			if (index($i, k "=") == 1) print substr($i, length(k) + 2)
		}
	}' $defer_dbg
}

# defer_window SPIN SOURCE SECS OUT [NOISE_ARG]: a user-space spin on SPIN for SECS
# while /tests/defer-src.sh runs SOURCE on CPU 0 in a loop; the spin's
# counts in OUT, and OUT's kworker=, iterations= lines
defer_window() {
	local k0 n src
	k0=$(kworker_runs "$1")
	# shellcheck disable=SC2086 # $5: more noise arguments ("isolated")
	noise "$1" "$3" ${5:-} > "$4" &
	n=$!
	sleep 1
	taskset -c 0 sh /tests/defer-src.sh "$2" "$(($3 - 2))" > "$4.src" &
	src=$!
	wait $n
	wait $src
	echo "kworker=$(($(kworker_runs "$1") - k0))" >> "$4"
	echo "iterations=$(cat "$4.src")" >> "$4"
}

# wq_watch CPU: record the work items queued on CPU from now on;
# wq_queued FUNC: how many of them ran FUNC, and stop recording
wq_ev=/sys/kernel/tracing/events/workqueue/workqueue_queue_work
wq_watch() {
	echo > /sys/kernel/tracing/trace
	echo "cpu == $1" > $wq_ev/filter
	echo 1 > $wq_ev/enable
}
wq_queued() {
	echo 0 > $wq_ev/enable
	echo 0 > $wq_ev/filter
	grep -c "function=$1 " /sys/kernel/tracing/trace
}

# Who wakes the stopper threads: stopper_watch records each sched_waking
# of a migration/N thread with the waker's stack (a stacktrace trigger
# with the same condition, so the stack follows its event);
# stopper_wakes FILE stops and writes one line per wake to FILE, the
# stopper's name then the waker's frames, innermost first, up to the
# interrupt entry if the wake came from an interrupt (what it interrupted
# did not wake the stopper).
sw_ev=/sys/kernel/tracing/events/sched/sched_waking
sw_cond='comm ~ "migration/*"'
stopper_watch() {
	echo > /sys/kernel/tracing/trace
	echo "$sw_cond" > $sw_ev/filter
	echo "stacktrace if $sw_cond" > $sw_ev/trigger
	echo 1 > $sw_ev/enable
}
stopper_wakes() {
	echo 0 > $sw_ev/enable
	echo "!stacktrace if $sw_cond" > $sw_ev/trigger
	echo 0 > $sw_ev/filter
	awk '
	/ sched_waking: / {
		if (w != "") print w
		match($0, /comm=[^ ]+/); w = substr($0, RSTART + 5, RLENGTH - 5); cut = 0
		next
	}
	/^ => / && w != "" && !cut {
		# a bare name: no offset, no .constprop.0 or .isra.0
		f = $2; sub(/[+.].*/, "", f)
		if (f ~ /^(asm_|__)?(sysvec_|common_interrupt)/) cut = 1; else w = w " " f
	}
	END { if (w != "") print w }' /sys/kernel/tracing/trace > "$1"
}
# by_transition FILE CPU: the wakes in FILE of a stopper other than CPU's
# that a CPU hotplug transition made (hotplug, stop_machine or isolation
# frames)
by_transition() {
	grep -v "^migration/$2 " "$1" |
		grep -cE ' (cpuhp_[a-z_]+|_cpu_down|_cpu_up|takedown_cpu|stop_machine[a-z_]*|stop_cpus|cache_ap_online|cpu_isolation[a-z_]*|state_store)( |$)'
}

# bystander SPIN CPU: a user-space spin on SPIN (isolated by the caller)
# for 8 s, three times: quiet (/tmp/quiet), while CPU is isolated and
# released 20 times (/tmp/busy), while it goes offline and online 20
# times, a plain hotplug through stop_machine (/tmp/cycle).  Sets
# STOP_<window> (stopper runs of every CPU but CPU) and SPIN_STOP_<window>
# (those of SPIN) for quiet, busy and cycle; /tmp/<window>.wakes lists who
# woke a stopper (stopper_wakes).
bystander() {
	local spin=$1 cpu=$2 others w n s0 s1 z0 z1 i
	others=$(seq 0 "$(sed 's/.*[-,]//' $C/possible)" | grep -vx "$cpu" | tr '\n' ' ')
	for w in quiet busy cycle; do
		# before the window: turning an event on patches kernel text
		stopper_watch
		s0=$(stopper_runs $others); z0=$(stopper_runs "$spin")
		noise "$spin" 8 > /tmp/$w &
		n=$!
		sleep 1
		for i in $(seq 20); do
			case $w in
			busy) write isolated $C/cpu$cpu/state >/dev/null
			      write online $C/cpu$cpu/state >/dev/null ;;
			cycle) write 0 $C/cpu$cpu/online >/dev/null
			       write 1 $C/cpu$cpu/online >/dev/null ;;
			esac
		done
		wait $n
		s1=$(stopper_runs $others); z1=$(stopper_runs "$spin")
		stopper_wakes /tmp/$w.wakes
		eval "STOP_$w=$((s1 - s0)) SPIN_STOP_$w=$((z1 - z0))"
	done
}

# cgroup v2 cpusets and sched domains: debugfs mounted, in verbose mode
# (the only mode that keeps the domains directory)
cg=/sys/fs/cgroup
iso=$cg/cpuset.cpus.isolated
sched_debug() {
	mount | grep -q " /sys/kernel/debug " || mount -t debugfs none /sys/kernel/debug
	echo Y > /sys/kernel/debug/sched/verbose
	# verbose domain rebuilds print "root domain span" (KERN_INFO) on the
	# console, where they cut result lines in two: keep the console to
	# notices and worse (every splat run-guest.sh looks for is a warning)
	echo 6 > /proc/sys/kernel/printk
}
# has_domain CPU: is CPU in a sched domain (after sched_debug)?
has_domain() { [ -d /sys/kernel/debug/sched/domains/cpu$1/domain0 ]; }

# Benchmarks: getpid_ns CPU, the cost of a getpid() there; bench_isolate,
# CPU 2 isolated at boot if the command line says so (figure setup=boot),
# else now, at runtime (setup=runtime), and defer_probe loaded for CPU 2
getpid_ns() { timing syscall "$1" 200000 | sed -n 's/^getpid_ns=//p'; }
# getpid_min CPU: the lowest of five, host noise moving it most under TCG
getpid_min() {
	for _ in 1 2 3 4 5; do getpid_ns "$1"; done | sort -n | head -n 1
}
bench_isolate() {
	modprobe defer_probe cpu=2 || fail load "modprobe exit $?"
	if grep -q "nohz_full=" /proc/cmdline; then
		setup=boot
	else
		write isolated $C/cpu2/state >/dev/null ||
			fail isolate "cannot isolate CPU 2"
		setup=runtime
	fi
	figure setup "$setup"
}
