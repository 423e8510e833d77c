#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Set up and run every test: the CMocka unit tests and CLI tests under
# ASan/UBSan, then the guest tests (patched kernel in QEMU).  The last
# line is the runner's tally: "N passed, N failed".
#
#   tests/run-all.sh [meson test arguments, e.g. --suite unit]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

tests/deps.sh
build=${CPUISO_TEST_BUILD:-$top/build-test}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dbuildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false -Dtests=enabled
fi
ninja -C "$build"

set +e
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C "$build" --print-errorlogs "$@"
rc=$?
set -e

python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
