# SPDX-License-Identifier: GPL-2.0-or-later
# 100 isolate/release cycles over CPUs 1-3 in random order while the
# housekeeping CPUs run a load, then two writers racing on one CPU.
. /tests/lib.sh

modprobe cpuiso || fail modprobe "exit $?"
rounds=${1:-100}
load=
for i in 1 2; do taskset -c 0 sh -c 'while :; do :; done' & load="$load $!"; done

i=0
start=$(now_ms)
while [ $i -lt "$rounds" ]; do
	cpu=$(( $(od -An -N1 -tu1 /dev/urandom) % 3 + 1 ))
	word=isolated
	[ "$(cat $C/cpu$cpu/state)" = isolated ] && word=online
	err=$(write $word $C/cpu$cpu/state) || { fail "cycle$i" "cpu$cpu $word: $err"; break; }
	[ "$(cat $C/cpu$cpu/state)" = $word ] || { fail "cycle$i" "cpu$cpu reads $(cat $C/cpu$cpu/state)"; break; }
	i=$((i + 1))
done
figure transitions_per_s "$(awk -v n=$i -v a="$start" -v b="$(now_ms)" 'BEGIN { printf "%.2f", n * 1000 / (b - a) }')"
for cpu in 1 2 3; do write online $C/cpu$cpu/state >/dev/null; done
all_back() {
	[ -z "$(cat $C/isolated)" ] && [ "$(cat $C/online)" = 0-3 ] &&
		[ -z "$(cat $C/nohz_full)" ]
}
check all-back all_back
for p in $load; do
	[ -d /proc/$p ] || fail lost-task "load task $p is gone"
done
kill $load

# a task pinned to CPU 2 keeps its mask through transitions, unless a
# user changes it meanwhile: then the user's mask stays
mask_of() { sed -n 's/^Cpus_allowed_list:\t*//p' /proc/$1/status; }
taskset -c 2 sleep 1000 &
pin=$!
taskset -c 2 sleep 1000 &
moved=$!
(sleep 0.5; taskset -p -c 1 $moved >/dev/null) &
chg=$!
for i in 1 2 3 4 5 6; do
	write isolated $C/cpu2/state >/dev/null
	write online $C/cpu2/state >/dev/null
done
wait $chg
check pinned-kept [ "$(mask_of $pin)" = 2 ]
check user-change-kept [ "$(mask_of $moved)" = 1 ]
kill $pin $moved

# concurrent writers serialise: each write completes whole
for n in 1 2 3 4 5 6 7 8; do
	(write isolated $C/cpu2/state; write online $C/cpu2/state) >/dev/null &
done
wait
check race-state [ "$(cat $C/cpu2/state)" = online ]
check race-isolated [ -z "$(cat $C/isolated)" ]

# the unbound workers outlive an isolation and its release: the pools of
# the housekeeping mask are kept for the way back, not destroyed and made
# anew with new workers (a new kthread each)
uworkers() {
	for d in /proc/[0-9]*; do
		case $(cat "$d/comm" 2>/dev/null) in kworker/u*) echo "${d#/proc/}" ;; esac
	done
}
uworkers > /tmp/uw.before
write isolated $C/cpu2/state >/dev/null
write online $C/cpu2/state >/dev/null
uworkers > /tmp/uw.after
gone=$(grep -cvxFf /tmp/uw.after /tmp/uw.before)
figure unbound_workers "$(wc -l < /tmp/uw.before)"
figure unbound_workers_gone "$gone"
check unbound-workers-seen [ -s /tmp/uw.before ]
check unbound-workers-kept [ "$gone" = 0 ]
[ -n "$FAILED" ] || ok cycles
rmmod cpuiso
