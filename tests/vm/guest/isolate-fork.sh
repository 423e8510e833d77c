# SPDX-License-Identifier: GPL-2.0-or-later
# A task forked while CPU 3 is isolated or released ends up with its
# parent's affinity (patch 0028).  forkwin holds a fork open between the
# child's copy of the parent's affinity and the child's listing on the
# task list (a populating thread holds the parent's mmap lock), and CPU 3
# is isolated, then released, inside that window: cpuiso.ko's walk
# changes the parent and cannot see the child.  After the isolation the
# child must not have CPU 3, after the release it must have it, as its
# parent does.  The 27-patch series left the child with what it copied.
. /tests/lib.sh

modprobe cpuiso || fail modprobe "exit $?"
# the first isolation of CPU 3 offloads its RCU callbacks through one full
# offline (docs/design.md): not the transition under test
{ write isolated $C/cpu3/state && write online $C/cpu3/state; } >/dev/null ||
	fail warm-up "cannot isolate and release CPU 3"

# window TO: forkwin forks; once the fork has started, TO goes to
# cpu3/state.  Sets child and parent (their masks after the fork) and
# inside=yes if the write returned before the child was listed (its
# fork returned after).  Up to three tries, the populated mapping
# doubling from 128 MiB, if the write outlasted the window.
window() {
	local mib=128 try pid t i
	inside=no
	for try in 1 2 3; do
		forkwin $mib > /tmp/fw.out &
		pid=$!
		for i in $(seq 500); do
			grep -q '^fork_start=' /tmp/fw.out && break
			sleep 0.01
		done
		err=$(write "$1" $C/cpu3/state) || fail "$1-write" "$err"
		t=$(noise now)
		wait $pid
		child=$(val /tmp/fw.out child_mask)
		parent=$(val /tmp/fw.out parent_mask)
		figure "fork_window_ms_$1_$try" "$(awk -v a="$(val /tmp/fw.out fork_start)" \
			-v b="$(val /tmp/fw.out fork_end)" 'BEGIN { printf "%.0f", b - a }')"
		if lt "$t" "$(val /tmp/fw.out fork_end)"; then
			inside=yes
			return
		fi
		# the fork was over first: try again from where the test began
		[ "$1" = isolated ] && write online $C/cpu3/state >/dev/null
		[ "$1" = online ] && write isolated $C/cpu3/state >/dev/null
		mib=$((mib * 2))
	done
}

window isolated
check isolate-inside-window [ $inside = yes ]
check isolate-parent-narrowed not_in_list 3 "$parent"
check isolate-child-follows not_in_list 3 "$child"
[ "$child" = "$parent" ] || echo "# after isolation: child $child, parent $parent"

window online
check release-inside-window [ $inside = yes ]
check release-parent-widened in_list 3 "$parent"
check release-child-follows in_list 3 "$child"
[ "$child" = "$parent" ] || echo "# after release: child $child, parent $parent"
rmmod cpuiso
