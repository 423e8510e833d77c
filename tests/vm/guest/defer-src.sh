# SPDX-License-Identifier: GPL-2.0-or-later
# Not a test: defer-src.sh SOURCE SECS runs one source of machine-wide
# work in a loop for SECS seconds (the caller pins it to CPU 0) and
# prints how many times it ran.  The sources of the deferral issue:
#  quiet         nothing (the floor)
#  drop_caches   echo 1 > /proc/sys/vm/drop_caches (lru_add_drain_all)
#  stat_refresh  reads of /proc/sys/vm/stat_refresh (a work item per CPU)
#  trace_event   enabling and disabling a trace event (text patching)
#  static_key    a module's static key flipped (text_poke_bp_batch)
#  vmap          a page mapped, unmapped and purged (kernel TLB flush)
#  module        loading and unloading a module
src=$1 secs=$2
ev=/sys/kernel/tracing/events/sched/sched_process_fork/enable
p=/sys/module/defer_probe/parameters
end=$(( $(date +%s) + secs ))
i=0
while [ "$(date +%s)" -lt "$end" ]; do
	case $src in
	quiet) sleep 1 ; continue ;;
	drop_caches) echo 1 > /proc/sys/vm/drop_caches ;;
	stat_refresh) cat /proc/sys/vm/stat_refresh > /dev/null ;;
	trace_event) echo 1 > $ev; echo 0 > $ev ;;
	static_key) echo 1 > $p/toggle ;;
	vmap) echo 1 > $p/vmap ;;
	module) rmmod defer_probe && modprobe defer_probe cpu=2 ;;
	*) echo "defer-src.sh: unknown source $src" >&2; exit 1 ;;
	esac
	i=$((i + 1))
done
echo $i
