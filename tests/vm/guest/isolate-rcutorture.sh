# SPDX-License-Identifier: GPL-2.0-or-later
# rcutorture (with its callback-offload toggling, rcu_barrier() testers
# and fake writers) runs while CPUs 2 and 3 are isolated and released
# over and over: no grace period or callback goes wrong (rcutorture's
# verdict), every transition succeeds, and the kernel-log check of the
# runner sees no splat, lockdep report or stall.
. /tests/lib.sh

secs=${1:-40}
modprobe rcutorture nreaders=2 nfakewriters=2 n_barrier_cbs=2 \
	stat_interval=10 nocbs_nthreads=1 nocbs_toggle=200 \
	onoff_interval=0 shuffle_interval=0 test_boost=0 fwd_progress=0 ||
	{ fail load "modprobe rcutorture exit $?"; exit 0; }

end=$(( $(date +%s) + secs ))
cycles=0 bad=0
while [ "$(date +%s)" -lt "$end" ]; do
	for c in 2 3; do
		write isolated $C/cpu$c/state >/dev/null || bad=$((bad + 1))
	done
	sleep 1
	for c in 3 2; do
		write online $C/cpu$c/state >/dev/null || bad=$((bad + 1))
	done
	cycles=$((cycles + 1))
done
rmmod rcutorture || fail unload "rmmod rcutorture exit $?"

verdict=$(dmesg | sed -n 's/.*End of test: \([A-Z_]*\).*/\1/p' | tail -1)
figure cycles "$cycles"
figure failed_transitions "$bad"
figure verdict "${verdict:-none}"
figure nocb_toggles "$(dmesg | sed -n 's/.*nocb-toggles: \([0-9:]*\).*/\1/p' | tail -1)"
check cycled [ "$cycles" -ge 3 ]
check transitions [ "$bad" = 0 ]
check rcutorture-success [ "$verdict" = SUCCESS ]
