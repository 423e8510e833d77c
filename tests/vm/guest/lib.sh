# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by every guest test: report results and figures on the console.
# The runner turns "CPUISO-RESULT name ok|fail|skip why" into TAP.

T=$(basename "$0" .sh)
C=/sys/devices/system/cpu

ok() { echo "CPUISO-RESULT $T${1:+/$1} ok${2:+ $2}"; }
fail() { echo "CPUISO-RESULT $T${1:+/$1} fail ${2:-}"; FAILED=1; }
skip() { echo "CPUISO-RESULT $T${1:+/$1} skip ${2:-}"; }
figure() { echo "CPUISO-FIGURE $1=$2"; }

# check SUBNAME COMMAND...: one result from a command's success
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name" "$*"; fi
}

# key=value from the noise helper's output in $1
val() { sed -n "s/^$2=//p" "$1"; }

# awk float comparison: lt A B
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
