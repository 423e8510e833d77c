#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmarks: boot the test guest, run tests/vm/guest/bench-*.sh and print
# the figures (what docs/results.md records, with this command).
#
#   tests/bench.sh [run-guest.sh options]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/deps.sh"
. "$top/tests/vm/common.sh"
logs=$CPUISO_VM_LOGS
"$top/tests/vm/run-guest.sh" "$@" bench > "$logs/bench.tap" || {
	cat "$logs/bench.tap"
	exit 1
}
echo "kernel: $(sed -n 's/^CPUISO-BOOTED kernel=\([^ ]*\).*/\1/p' "$logs/bench.log.txt")"
sed -n 's/^CPUISO-FIGURE //p' "$logs/bench.log.txt"
