#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The cpuiso command against recorded trees: output compared byte for byte
# with tests/expected/, exit codes and messages of bad input.  TAP output.
# CPUISO_UPDATE_EXPECTED=1 rewrites the expected files (review the diff!).
#
#   test-cli.sh CPUISO_BINARY
set -u
cpuiso=${1:?usage: test-cli.sh CPUISO_BINARY}
here=$(cd "$(dirname "$0")" && pwd)
trees=$here/../trees
expected=$here/../expected
n=0
failed=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -z "${2:-}" ] || sed 's/^/# /' <<<"$2"
}

# run NAME EXPECTED_RC cpuiso-args...: stdout/stderr into $out/NAME.{out,err}
run() {
	local name=$1 want=$2 rc
	shift 2
	"$cpuiso" "$@" >"$out/$name.out" 2>"$out/$name.err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name: exit $rc, want $want" "$(cat "$out/$name.err")"
		return 1
	fi
	return 0
}

compare() {
	local name=$1 file=$2
	if [ "${CPUISO_UPDATE_EXPECTED:-}" = 1 ]; then
		cp "$out/$name.out" "$expected/$file"
	fi
	if diff -u "$expected/$file" "$out/$name.out" >"$out/$name.diff"; then
		ok "$name"
	else
		not_ok "$name: output differs from $file" "$(cat "$out/$name.diff")"
	fi
}

for tree in "$trees"/*/; do
	t=$(basename "$tree")
	[ -d "$tree/sys" ] || continue
	run "$t-table" 0 --sysroot "$tree" status && compare "$t-table" "$t.status.txt"
	if run "$t-json" 0 --sysroot "$tree" status -J; then
		if python3 -m json.tool "$out/$t-json.out" >/dev/null 2>&1; then
			compare "$t-json" "$t.status.json"
		else
			not_ok "$t-json: not valid JSON" "$(cat "$out/$t-json.out")"
		fi
	fi
done

tree=$trees/build-host
if run subset 0 --sysroot "$tree" status 1; then
	rows=$(tail -n +2 "$out/subset.out" | sed '/^$/q' | grep -c '^ *1 ')
	if [ "$rows" = 1 ] && ! grep -q '^ *0 ' "$out/subset.out"; then
		ok "status 1 shows CPU 1 only"
	else
		not_ok "status 1 shows CPU 1 only" "$(cat "$out/subset.out")"
	fi
fi

# bad CPU lists: exit 2, the message names where, nothing on stdout
bad() {
	local name=$1 list=$2 msg=$3
	run "$name" 2 --sysroot "$tree" status "$list" || return
	if grep -qF -- "$msg" "$out/$name.err" && [ ! -s "$out/$name.out" ]; then
		ok "$name"
	else
		not_ok "$name: want '$msg' on stderr" "$(cat "$out/$name.err")"
	fi
}
bad bad-char 0-1x "unexpected character at position 4"
bad bad-reversed 1-0 "range end below its start at position 3"
bad bad-huge 99999999999 "number too large at position 1"
bad bad-range 0-300 "CPU beyond the highest possible at position 1"
bad bad-missing 5 "CPU beyond the highest possible at position 1"
bad bad-empty "" "no CPU in it"

check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
run unknown-verb 2 frobnicate &&
	check "unknown verb exits 2" grep -q "unknown verb 'frobnicate'" "$out/unknown-verb.err"
run no-verb 2 && check "no verb exits 2" grep -q Usage "$out/no-verb.err"
run bad-option 2 --frob status &&
	check "unknown option exits 2" grep -q "Try 'cpuiso --help'" "$out/bad-option.err"
run help 0 --help && check "--help lists verbs" grep -q '^ status' "$out/help.out"
run version 0 --version &&
	check "--version" grep -Eq '^cpuiso [0-9]+\.[0-9]+' "$out/version.out"
run no-tree 1 --sysroot /nonexistent status &&
	check "missing sysroot exits 1" grep -q "cannot read the CPUs under /nonexistent" "$out/no-tree.err"

# isolate/release against a writable copy of a patched guest's tree
w=$out/writable
cp -r "$trees/guest-runtime-iso" "$w"
mkdir -p "$w/run"
st() { cat "$w/sys/devices/system/cpu/cpu$1/state"; }
run iso-dry 0 --sysroot "$w" isolate -n 1,3 &&
	check "isolate -n plans and writes nothing" \
		sh -c "grep -q '^would change cpu1: online -> isolated (state backend)' '$out/iso-dry.out' &&
		       grep -q '^would change cpu3: online -> isolated (state backend)' '$out/iso-dry.out' &&
		       [ \"\$(cat '$w/sys/devices/system/cpu/cpu1/state')\" = online ]"
run iso 0 --sysroot "$w" isolate 1 && check "isolate 1" [ "$(st 1)" = isolated ]
run iso-again 0 --sysroot "$w" isolate 1-2 &&
	check "isolate is idempotent" grep -qx 'nothing to do' "$out/iso-again.out"
run iso-refused 1 --sysroot "$w" isolate 0-3 &&
	check "isolate 0-3 refused whole" \
		sh -c "grep -q 'refused: CPU 0 cannot go offline' '$out/iso-refused.err' &&
		       [ \"\$(cat '$w/sys/devices/system/cpu/cpu3/state')\" = online ]"
run iso-badlist 2 --sysroot "$w" isolate 1x &&
	check "isolate 1x is a usage error" grep -q 'position 2' "$out/iso-badlist.err"
run rel-json 0 --sysroot "$w" -J release 1-3 &&
	check "release -J lists two steps" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [c["cpu"] for c in d["cpus"] if c["outcome"] == "changed"] == [1, 2], d' "$out/rel-json.out"
check "released" [ "$(st 1)$(st 2)" = onlineonline ]

# apply: the policy under the root, validated whole, idempotent
mkdir -p "$w/etc"
conf=$w/etc/cpuiso.conf
printf '# test policy\nisolated = 2-3   # the latency CPUs\nsmt = keep\n' >"$conf"
run apply-dry 0 --sysroot "$w" apply -n &&
	check "apply -n plans the policy and writes nothing" \
		sh -c "grep -q '^would change cpu2: online -> isolated' '$out/apply-dry.out' &&
		       grep -q '^would change cpu3: online -> isolated' '$out/apply-dry.out' &&
		       [ \"\$(cat '$w/sys/devices/system/cpu/cpu3/state')\" = online ]"
run apply 0 --sysroot "$w" apply && check "apply isolates 2-3" [ "$(st 2)$(st 3)" = isolatedisolated ]
run apply-again 0 --sysroot "$w" apply &&
	check "apply is idempotent" grep -qx 'nothing to do' "$out/apply-again.out"
echo isolated >"$w/sys/devices/system/cpu/cpu1/state"
run apply-cpu 0 --sysroot "$w" apply --cpu 1 &&
	check "apply --cpu 1 releases what the policy does not name" \
		[ "$(st 1)$(st 2)" = onlineisolated ]
printf 'isolated = 2-3\nsmt = maybe\n' >"$conf"
run apply-bad 2 --sysroot "$w" apply &&
	check "a policy error names file and line" \
		grep -q '/etc/cpuiso.conf:2: smt: .maybe. is not keep, siblings or refuse' "$out/apply-bad.err"
printf 'isolated = 2-9\n' >"$conf"
run apply-range 1 --sysroot "$w" apply &&
	check "a CPU the machine does not have is refused" \
		grep -q 'the policy names CPU 4, which this machine does not have' "$out/apply-range.err"
printf 'isolated = 2-\n' >"$conf"
run apply-syntax 2 --sysroot "$w" apply &&
	check "a bad CPU list names file, line and position" \
		grep -q '/etc/cpuiso.conf:1: isolated: invalid CPU list .2-.: .* at position 3' "$out/apply-syntax.err"
printf 'isolated = 1\nisolated = 2\n' >"$conf"
run apply-twice 2 --sysroot "$w" apply &&
	check "a key given twice is refused" grep -q 'cpuiso.conf:2: .isolated. given twice' "$out/apply-twice.err"
printf 'isolated = 0-3\n' >"$conf"
run apply-refused 1 --sysroot "$w" apply &&
	check "apply refuses a policy it cannot meet, whole" \
		sh -c "grep -q 'CPU 0 cannot go offline' '$out/apply-refused.err' &&
		       [ \"\$(cat '$w/sys/devices/system/cpu/cpu1/state')\" = online ]"
run apply-missing 1 --sysroot "$w" apply --config /etc/none.conf &&
	check "a missing policy file is named" grep -q '/etc/none.conf: No such file' "$out/apply-missing.err"
# a run that died part way: the next one rolls its journal back first
printf 'isolated = 2\n' >"$conf"
printf 'cpuiso-journal 1\n3 online isolated\n' >"$w/run/cpuiso.journal"
echo isolated >"$w/sys/devices/system/cpu/cpu3/state"
run journal 0 --sysroot "$w" apply &&
	check "an interrupted run is rolled back before the next" \
		sh -c "grep -q 'interrupted cpuiso run was rolled back: 1 CPU' '$out/journal.err' &&
		       [ \"\$(cat '$w/sys/devices/system/cpu/cpu3/state')\" = online ] &&
		       [ ! -e '$w/run/cpuiso.journal' ]"
# a stock kernel's tree (no cpuN/state): the compat backend
s=$out/stock
cp -r "$trees/guest-bootiso" "$s"
mkdir -p "$s/run"
run compat-dry 0 --sysroot "$s" isolate -n 1 &&
	check "isolate -n on a stock kernel plans the compat backend" \
		grep -q '^would change cpu1: online -> isolated (compat backend); tick: needs nohz_full= at boot' "$out/compat-dry.out"
echo 1 >"$s/sys/devices/system/cpu/cpu0/online"	# as if CPU 0 could go offline
run compat-refused 1 --sysroot "$s" isolate 0-1 &&
	check "the compat backend keeps a housekeeping CPU" \
		grep -q 'no online housekeeping CPU would be left' "$out/compat-refused.err"
rm "$s/sys/devices/system/cpu/cpu0/online"
mkdir -p "$s/etc"
echo 'isolated = 1-3' >"$s/etc/cpuiso.conf"
run compat-apply 0 --sysroot "$s" apply -n &&
	check "apply on a stock kernel plans the compat backend for the rest" \
		sh -c "grep -q '^would change cpu1: online -> isolated (compat backend)' '$out/compat-apply.out' &&
		       ! grep -q cpu2 '$out/compat-apply.out'"
run monitor-sysroot 2 --sysroot "$w" monitor &&
	check "monitor refuses --sysroot" grep -q 'does not apply' "$out/monitor-sysroot.err"

# CPUs the OCI hook isolated for a container: a containers table, and
# a "containers" array in JSON; none without records
c=$out/containers
cp -a "$trees/guest-runtime-iso" "$c"
run no-containers 0 --sysroot "$c" status &&
	check "status without container records has no containers table" \
		eval '! grep -q CONTAINER "$out/no-containers.out"'
mkdir -p "$c/run/cpuiso/containers"
printf 'cpuiso-claim 1\ncpus 1-2\nisolated 1\npid 4242\nstart 99\n' \
	>"$c/run/cpuiso/containers/pod-a_ctr"
run containers 0 --sysroot "$c" status &&
	check "status lists the container's CPUs" \
		grep -Eq '^pod-a_ctr +1-2 +1 +4242$' "$out/containers.out"
run containers-json 0 --sysroot "$c" status -J &&
	check "status -J has the container's record" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["containers"]
assert c == [{"container": "pod-a_ctr", "cpus": "1-2", "isolated": "1", "pid": 4242}], c
' "$out/containers-json.out"

# apply (the policy, the udev rules) leaves a container's CPUs isolated
mkdir -p "$c/etc"
echo 'isolated = 2' >"$c/etc/cpuiso.conf"
echo isolated >"$c/sys/devices/system/cpu/cpu1/state"
run apply-container 0 --sysroot "$c" apply &&
	check "apply keeps CPU 1 isolated while container pod-a_ctr holds it" \
		eval '[ "$(cat "$c/sys/devices/system/cpu/cpu1/state")" = isolated ] &&
		      grep -q "CPU 1 stays isolated: container pod-a_ctr holds it" "$out/apply-container.err"'
rm "$c/run/cpuiso/containers/pod-a_ctr"
run apply-no-container 0 --sysroot "$c" apply &&
	check "without the record apply releases CPU 1" \
		[ "$(cat "$c/sys/devices/system/cpu/cpu1/state")" = online ]

# bash completion offers the verbs, then each verb's options
comp=$here/../../cli/cpuiso.bash-completion
check "completion: verbs" bash -c ". '$comp'; COMP_WORDS=(cpuiso is); COMP_CWORD=1; _cpuiso
	[ \"\${COMPREPLY[*]}\" = isolate ]"
check "completion: apply options" bash -c ". '$comp'; COMP_WORDS=(cpuiso apply --c); COMP_CWORD=2; _cpuiso
	[ \"\${COMPREPLY[*]}\" = '--cpu --config' ]"
check "completion: isolate options" bash -c ". '$comp'; COMP_WORDS=(cpuiso isolate --f); COMP_CWORD=2; _cpuiso
	[ \"\${COMPREPLY[*]}\" = --force ]"

# the live machine: valid JSON listing every possible CPU
if run live 0 status -J; then
	want=$(python3 -c 'import sys
n=0
for p in open("/sys/devices/system/cpu/possible").read().strip().split(","):
    a,_,b=p.partition("-"); n+=int(b or a)-int(a)+1
print(n)')
	got=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["cpus"]))' "$out/live.out" 2>&1)
	if [ "$got" = "$want" ]; then
		ok "live status -J lists $want CPUs"
	else
		not_ok "live status -J lists $want CPUs" "got: $got"
	fi
fi

echo "1..$n"
exit $((failed > 0))
