# SPDX-License-Identifier: GPL-2.0-or-later
# SMT control holds for cpuN/state: with SMT off, an offline sibling cannot
# be brought up by writing "isolated" (or "online") to its state file.
. /tests/lib.sh

check siblings [ "$(cat $C/cpu0/topology/thread_siblings_list)" = 0-1 ]
echo off > $C/smt/control || fail smt-off "cannot write smt/control"
check sibling-offline [ "$(cat $C/cpu1/online)" = 0 ]
check isolated-refused [ "$(write isolated $C/cpu1/state)" = "Operation not permitted" ]
check online-refused [ "$(write online $C/cpu1/state)" = "Operation not permitted" ]
check still-offline [ "$(cat $C/cpu1/online)" = 0 ]
# a core's first thread is not affected
err=$(write isolated $C/cpu2/state) && ok first-thread || fail first-thread "$err"
write online $C/cpu2/state >/dev/null
echo on > $C/smt/control
check siblings-back [ "$(cat $C/online)" = 0-3 ]
