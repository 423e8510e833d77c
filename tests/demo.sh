#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The main job: build cpuiso and our kernel, boot it in QEMU without and
# with boot-time isolation, and show what cpuiso sees and how much noise a
# spinning task on CPU 2 takes in each.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/deps.sh"
. "$top/tests/vm/common.sh"

logs=$CPUISO_VM_LOGS
rc=0
for group in plain bootiso runtime-iso; do
	line=$(grep "^$group *|" "$top/tests/vm/groups.conf")
	echo "=== guest '$group': command line '$(echo "$line" | cut -d'|' -f2 | xargs)'," \
	     "tests: $(echo "$line" | cut -d'|' -f3 | xargs)"
	"$top/tests/vm/run-guest.sh" "$group" > "$logs/$group.tap" 2>&1 || rc=1
	sed -n '/^CPUISO-START status$/,/^CPUISO-RESULT status/p' "$logs/$group.log.txt" |
		sed '1d;/^CPUISO-RESULT/d'
	echo "--- noise on CPU 2 (5 s user-space spin):"
	sed -n 's/^CPUISO-FIGURE /  /p' "$logs/$group.log.txt" | grep -E 'per_s'
	echo "--- tests: $(grep -c '^ok' "$logs/$group.tap") passed," \
	     "$(grep -c '^not ok' "$logs/$group.tap") failed (log: $logs/$group.log)"
	echo
done
exit $rc
