# SPDX-License-Identifier: GPL-2.0-or-later
# Isolate CPU 2 and leave it so, for what runs after (recording a tree).
. /tests/lib.sh

modprobe cpuiso || fail modprobe "exit $?"
err=$(write isolated $C/cpu2/state) || fail isolate "$err"
check state [ "$(cat $C/cpu2/state)" = isolated ]
