#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The cpuiso-oci-hook binary as a runtime runs it, without a runtime: the
# state on stdin, exit codes (0 done, 1 refused, 2 usage), one line on
# stderr, --sysroot on a writable copy of a recorded tree.  TAP output.
#
#   test-oci-hook.sh HOOK_BINARY
set -u
hook=${1:?usage: test-oci-hook.sh HOOK}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tap.sh"
out=$(mktemp -d)
sleeper=
trap '[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null; rm -rf "$out"' EXIT

# run NAME WANT_RC STDIN hook-args...: output in $out/NAME.{out,err}
run() {
	local name=$1 want=$2 in=$3 rc
	shift 3
	printf '%s' "$in" | "$hook" "$@" >"$out/$name.out" 2>"$out/$name.err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name: exit $rc, want $want" "$(cat "$out/$name.err")"
		return 1
	fi
	return 0
}
# says NAME TEXT: ok if the run's stderr holds TEXT on its one line
says() {
	if grep -qF -- "$2" "$out/$1.err" && [ "$(wc -l <"$out/$1.err")" = 1 ]; then
		ok "$1"
	else
		not_ok "$1: stderr does not say '$2' on one line" "$(cat "$out/$1.err")"
	fi
}

tree=$out/tree
cp -a "$here/../trees/guest-runtime-iso" "$tree"
mkdir -p "$tree/run" "$out/bundle"
cat >"$out/bundle/config.json" <<'EOF'
{"ociVersion": "1.0.2", "annotations": {"cpuiso.io/isolate": "true"},
 "linux": {"resources": {"cpu": {"cpus": "3"}}}}
EOF
sleep 600 &
sleeper=$!
state() {	# state STATUS [ID]
	printf '{"ociVersion": "1.0.2", "id": "%s", "status": "%s", "pid": %d, "bundle": "%s"}' \
		"${2:-ctr}" "$1" "$sleeper" "$out/bundle"
}
cpu3() { cat "$tree/sys/devices/system/cpu/cpu3/state"; }

run help 0 "" --help && grep -q -- --reconcile "$out/help.out" && ok "--help" ||
	not_ok "--help lists --reconcile"
run bad-option 2 "" --bogus && ok "an unknown option is a usage error (2)"
run two-stages 2 "" prestart poststop && ok "two stages are a usage error (2)"
run reconcile-stage 2 "" --reconcile poststop && ok "--reconcile takes no stage (2)"

run empty 1 "" --sysroot "$tree" && says empty "not JSON"
run garbage 1 $'\x1b[31mhello' --sysroot "$tree" && says garbage "not JSON"
run bad-stage 1 "$(state creating)" --sysroot "$tree" poststart &&
	says bad-stage 'unknown stage "poststart"'
run running 1 "$(state running)" --sysroot "$tree" &&
	says running 'status is "running"'
run no-root-dir 1 "$(state creating)" --sysroot "$out/nonexistent" &&
	says no-root-dir "--sysroot $out/nonexistent is not a directory"
if [ "$(cpu3)" = online ] && [ ! -e "$tree/run/cpuiso/containers/ctr" ]; then
	ok "refusals changed nothing"
else
	not_ok "refusals changed nothing" "cpu3: $(cpu3)"
fi

run isolate 0 "$(state creating)" --sysroot "$tree" &&
	if [ "$(cpu3)" = isolated ] && [ -f "$tree/run/cpuiso/containers/ctr" ]; then
		ok "createRuntime isolates CPU 3 and records the container"
	else
		not_ok "createRuntime isolates CPU 3 and records the container" "cpu3: $(cpu3)"
	fi
run shared 1 "$(state creating other)" --sysroot "$tree" &&
	says shared "CPU 3 belongs to container ctr"
run release 0 "$(state stopped)" --sysroot "$tree" &&
	if [ "$(cpu3)" = online ] && [ ! -e "$tree/run/cpuiso/containers/ctr" ]; then
		ok "poststop releases CPU 3 and forgets the container"
	else
		not_ok "poststop releases CPU 3 and forgets the container" "cpu3: $(cpu3)"
	fi

tap_done
