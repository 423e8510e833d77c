# SPDX-License-Identifier: GPL-2.0-or-later
# TAP for the test scripts, sourced by them: ok, not_ok, check, skip_all,
# tap_done.  A script may define tap_diag to add diagnostics to a failed
# check.

n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -z "${2:-}" ] || sed 's/^/# /' <<<"$2"
}
tap_diag() { :; }
# check NAME COMMAND...: ok if the command succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "$(tap_diag)"; fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
# the plan, and the exit status: 1 if any test failed
tap_done() {
	echo "1..$n"
	exit $((failed > 0))
}
