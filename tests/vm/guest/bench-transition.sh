# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark, not a test: what a transition costs, side by side in one guest.
#  - echo isolated / echo online on CPU 2 against echo 0 / echo 1 > online
#    (a plain offline/online goes through stop_machine; the isolation
#    parks the CPU above CPUHP_TEARDOWN_CPU and does not);
#  - what an already-isolated CPU 3 running a user-space spin receives,
#    and how often the stopper threads of CPUs 0, 1 and 3 run, while CPU 2
#    is isolated and released 20 times, and while it goes offline and
#    online 20 times, against a quiet spell of the same length;
#  - the cost of a system call on housekeeping CPU 1 before any isolation,
#    while CPUs are isolated, and after they are released.
# Repetitions of the timed cycles: $1, else cpuiso_bench_reps= on the
# kernel command line (groups.conf), else 10.
. /tests/lib.sh

modprobe cpuiso || fail modprobe "exit $?"
reps=${1:-$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^cpuiso_bench_reps=//p' | tail -n 1)}
reps=${reps:-10}
mean() { awk '{ s += $1 } END { printf "%.1f", NR ? s / NR : 0 }'; }

figure cpus "$(grep -c ^processor /proc/cpuinfo)"
figure reps "$reps"
figure getpid_ns_cpu1_before "$(getpid_min 1)"

# tw VALUE FILE: the write() alone, in ms (timing.c), empty if it failed;
# under TCG a fork and exec of a writer costs tens of ms, as much as a
# transition, so timing around the writer would hide the difference
tw() { timing write "$2" "$1" | sed -n 's/^write_ms=//p'; }

# the first isolation of a CPU offloads its RCU callbacks through one
# full offline; time it apart
t=$(tw isolated $C/cpu2/state)
[ -n "$t" ] || fail first "cpu2"
figure first_isolate_ms "$t"
write online $C/cpu2/state >/dev/null
write isolated $C/cpu3/state >/dev/null && write online $C/cpu3/state >/dev/null

: > /tmp/iso; : > /tmp/rel; : > /tmp/off; : > /tmp/on; : > /tmp/ratio
i=0
while [ $i -lt "$reps" ]; do
	a=$(tw isolated $C/cpu2/state); [ -n "$a" ] || fail isolate "rep $i"
	b=$(tw online $C/cpu2/state); [ -n "$b" ] || fail release "rep $i"
	c=$(tw 0 $C/cpu2/online); [ -n "$c" ] || fail offline "rep $i"
	d=$(tw 1 $C/cpu2/online); [ -n "$d" ] || fail online "rep $i"
	echo "$a" >> /tmp/iso; echo "$b" >> /tmp/rel
	echo "$c" >> /tmp/off; echo "$d" >> /tmp/on
	# this repetition's (isolate + release) / (offline + online)
	awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" \
		'BEGIN { if (c + d > 0) printf "%.3f\n", (a + b) / (c + d) }' >> /tmp/ratio
	i=$((i + 1))
done
iso=$(mean < /tmp/iso); rel=$(mean < /tmp/rel); off=$(mean < /tmp/off); on=$(mean < /tmp/on)
figure isolate_ms_mean "$iso"
figure release_ms_mean "$rel"
figure offline_ms_mean "$off"
figure online_ms_mean "$on"
figure cycle_ratio "$(awk -v a="$iso" -v b="$rel" -v c="$off" -v d="$on" 'BEGIN { printf "%.2f", (a + b) / (c + d) }')"
# the spread of the per-repetition ratios
figure cycle_ratio_min "$(sort -n /tmp/ratio | head -n 1)"
figure cycle_ratio_max "$(sort -n /tmp/ratio | tail -n 1)"

# where the time goes, by hotplug callback: 5 more of each with the cpuhp
# tracepoints on.  cb_DIR_ms: mean kernel time of DIR, first callback to
# last; cb_DIR_top: its six slowest callbacks, "name:ms" (nested ones are
# inside cpuhp_kick_ap_work's, which is the AP's whole walk)
T=/sys/kernel/tracing
if [ -d $T/events/cpuhp ]; then
	echo 0 > $T/tracing_on; echo > $T/trace
	echo 1 > $T/events/cpuhp/enable; echo 1 > $T/tracing_on
	for i in 1 2 3 4 5; do
		for d in isolate release offline online; do
			echo "MARK $d" > $T/trace_marker
			case $d in
			isolate) write isolated $C/cpu2/state ;;
			release) write online $C/cpu2/state ;;
			offline) write 0 $C/cpu2/online ;;
			online) write 1 $C/cpu2/online ;;
			esac >/dev/null || fail "profile-$d" "rep $i"
		done
	done
	echo "MARK end" > $T/trace_marker
	echo 0 > $T/tracing_on; echo 0 > $T/events/cpuhp/enable
	awk -v n=5 '
	function flush() { if (d != "" && last != "") tot[d] += last - first; first = last = "" }
	match($0, / [0-9]+\.[0-9]+: /) {
		t = substr($0, RSTART + 1, RLENGTH - 3) + 0
		r = substr($0, RSTART + RLENGTH)
		if (r ~ /^tracing_mark_write: MARK /) {
			flush(); split(r, w, " "); d = w[3] == "end" ? "" : w[3]; next
		}
		if (d == "") next
		split(r, w, " ")
		if (r ~ /^cpuhp_(multi_)?enter:/) {
			if (first == "") first = t
			start[w[7]] = t; name = w[8]; gsub(/[()]/, "", name); nm[w[7]] = name
		} else if (r ~ /^cpuhp_exit:/) {
			last = t
			if (w[7] in start) { cb[d, nm[w[7]]] += t - start[w[7]]; delete start[w[7]] }
		}
	}
	END {
		flush()
		for (k in tot) printf "total %s %.2f\n", k, 1000 * tot[k] / n
		for (k in cb) { split(k, p, SUBSEP); printf "cb %s %s %.2f\n", p[1], p[2], 1000 * cb[k] / n }
	}' $T/trace > /tmp/prof
	for d in isolate release offline online; do
		figure "cb_${d}_ms" "$(awk -v d=$d '$1 == "total" && $2 == d { print $3 }' /tmp/prof)"
		figure "cb_${d}_top" "$(awk -v d=$d '$1 == "cb" && $2 == d { print $4, $3 }' /tmp/prof |
			sort -rn | head -n 6 | awk '{ printf "%s%s:%s", s, $2, $1; s = "," }')"
	done
fi

# CPU 3 isolated and spinning: a quiet spell, 20 transitions, 20 offline cycles
write isolated $C/cpu3/state >/dev/null || fail isolate3 "cannot isolate CPU 3"
figure getpid_ns_cpu1_isolated "$(getpid_min 1)"
sleep 1
bystander 3 2
figure stopper_runs_quiet "$STOP_quiet"
figure stopper_runs_transitions "$STOP_busy"
figure stopper_runs_offline_cycles "$STOP_cycle"
figure stopper_runs_cpu3_transitions "$SPIN_STOP_busy"
figure stopper_runs_cpu3_offline_cycles "$SPIN_STOP_cycle"
for f in quiet busy cycle; do
	for k in irq_total irq.LOC irq.CAL irq.RES irq.TLB softirq_total; do
		figure "cpu3_${f}_${k#irq.}" "$(val /tmp/$f $k | grep . || echo 0)"
	done
done
write online $C/cpu3/state >/dev/null
# context tracking goes off a second after the last release
sleep 2
figure getpid_ns_cpu1_released "$(getpid_min 1)"
rmmod cpuiso
[ -n "$FAILED" ] || ok done
