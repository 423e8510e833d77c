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
. "$here/../tap.sh"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

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
# ---- hostile cases (issue 11): each refused with a clear message and
# nothing written, or done as said.  HOSTILE counts them for docs/.
hostile=0
h() { hostile=$((hostile + 1)); check "hostile: $1" "${@:2}"; }
# contains FILE TEXT / lacks FILE TEXT
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
h2=$out/h-patched
cp -r "$trees/guest-runtime-iso" "$h2"
mkdir -p "$h2/etc" "$h2/run"
echo 'isolated = 3' >"$h2/etc/cpuiso.conf"	# CPU 2 is isolated: --cpu 2 would release it

run h-cpu-wrap 2 --sysroot "$h2" apply --cpu 4294967298
h "apply --cpu 4294967298 is not truncated to CPU 2" \
	sh -c "grep -q 'not a CPU number' '$out/h-cpu-wrap.err' && grep -q 4294967298 '$out/h-cpu-wrap.err' && [ \"\$(cat '$h2/sys/devices/system/cpu/cpu2/state')\" = isolated ]"
run h-cpu-huge 2 --sysroot "$h2" apply --cpu 99999999999
h "apply --cpu 99999999999 names no other CPU" has "$out/h-cpu-huge.err" "'99999999999' is not a CPU number"
printf 'isolated =\n' >"$h2/etc/empty.conf"
echo isolated >"$h2/sys/devices/system/cpu/cpu1/state"
run h-empty 2 --sysroot "$h2" apply --config /etc/empty.conf
h "policy 'isolated =' is refused, nothing released" \
	sh -c "grep -q 'isolated: no CPU list' '$out/h-empty.err' && [ \"\$(cat '$h2/sys/devices/system/cpu/cpu1/state')\" = isolated ]"
echo online >"$h2/sys/devices/system/cpu/cpu1/state"
printf 'smt = keep\n\0isolated = 1\n' >"$h2/etc/nul.conf"
run h-nul 2 --sysroot "$h2" apply --config /etc/nul.conf
h "a NUL byte in the policy is refused" has "$out/h-nul.err" "a NUL byte at offset 11"
mkfifo "$h2/etc/fifo.conf"
timeout 10 "$cpuiso" --sysroot "$h2" apply --config /etc/fifo.conf >"$out/h-fifo.out" 2>"$out/h-fifo.err"
h "a FIFO as --config is refused, no hang (exit $?)" has "$out/h-fifo.err" "$h2/etc/fifo.conf: not a regular file"
run h-relconf 2 --sysroot "$h2" apply --config etc/cpuiso.conf
h "a relative --config is a usage error" has "$out/h-relconf.err" "--config takes an absolute path"
run h-absconf 1 --sysroot "$h2" apply --config /etc/none.conf
h "--config messages name the path under the sysroot" has "$out/h-absconf.err" "$h2/etc/none.conf: No such file"
printf '\xef\xbb\xbfisolated = 2-3\n' >"$h2/etc/bom.conf"
run h-bom 0 --sysroot "$h2" apply -n --config /etc/bom.conf
h "a UTF-8 BOM is skipped" has "$out/h-bom.out" "would change cpu3: online -> isolated"
run h-escape 2 --sysroot "$h2" status $'1\e[31m\x01\xff'
h "escape sequences and binary bytes are not echoed raw" \
	sh -c "! grep -q \$(printf '\\033') '$out/h-escape.err' && grep -qF '\\x1b[31m\\x01\\xff' '$out/h-escape.err'"
printf 'isolated = 1\e]0;pwned\a\n' >"$h2/etc/esc.conf"
run h-escape-file 2 --sysroot "$h2" apply --config /etc/esc.conf
h "escape sequences from a file are not echoed raw" \
	sh -c "! grep -q \$(printf '\\033') '$out/h-escape-file.err' && grep -qF '\\x1b]0;pwned' '$out/h-escape-file.err'"
run h-N 0 --sysroot "$h2" status -J N
h "N is the last possible CPU, not kernel_max" python3 -c '
import json, sys
assert [c["cpu"] for c in json.load(open(sys.argv[1]))["cpus"]] == [3]' "$out/h-N.out"
run h-opt-after 0 --sysroot "$h2" isolate 1 -n
h "options after the operands" has "$out/h-opt-after.out" "would change cpu1: online -> isolated"
printf 'cpuiso-journal 1\n3 online isolated\n' >"$h2/run/cpuiso.journal"
run h-dry-journal 0 --sysroot "$h2" isolate -n 1
h "a dry run says a pending journal would be rolled back first" \
	sh -c "grep -q 'the real run rolls it back first' '$out/h-dry-journal.err' && [ -e '$h2/run/cpuiso.journal' ]"
printf 'garbage\n' >"$h2/run/cpuiso.journal"
run h-bad-journal 1 --sysroot "$h2" isolate 1
h "a garbage journal blocks with a hint how to recover" \
	sh -c "grep -q -- '--discard-journal moves it aside' '$out/h-bad-journal.err' && [ \"\$(cat '$h2/sys/devices/system/cpu/cpu1/state')\" = online ]"
run h-discard 0 --sysroot "$h2" isolate --discard-journal 1
h "--discard-journal moves it aside and the change goes on" \
	sh -c "[ -e '$h2/run/cpuiso.journal.discarded' ] && [ ! -e '$h2/run/cpuiso.journal' ] && [ \"\$(cat '$h2/sys/devices/system/cpu/cpu1/state')\" = isolated ]"
echo online >"$h2/sys/devices/system/cpu/cpu1/state"
run h-missing-root 1 --sysroot /nonexistent/root isolate 1
h "--sysroot to a missing directory names it, not the lock" \
	sh -c "grep -q '/nonexistent/root' '$out/h-missing-root.err' && ! grep -q lock '$out/h-missing-root.err'"
exec 9>"$h2/run/cpuiso.lock"
flock 9
run h-locked 1 --sysroot "$h2" isolate 1
h "a held lock is refused at once, naming it and --wait" has "$out/h-locked.err" "another cpuiso run holds the lock $h2/run/cpuiso.lock (--wait waits for it)"
run h-wait 1 --sysroot "$h2" isolate --wait=1 1
h "--wait=1 gives up after a second" has "$out/h-wait.err" "(waited in vain)"
exec 9>&-
# a possible CPU that is not present: named so, and the patched backend stays
echo 0-4 >"$h2/sys/devices/system/cpu/possible"
run h-absent 1 --sysroot "$h2" isolate 1,4
h "a possible but absent CPU is refused as not present" has "$out/h-absent.err" "CPU 4 is not present"
run h-absent-backend 0 --sysroot "$h2" isolate -n 1
h "an absent CPU does not send the request to the compat backend" has "$out/h-absent-backend.out" "(state backend)"
echo 0-3 >"$h2/sys/devices/system/cpu/possible"
: >"$h2/sys/devices/system/cpu/possible"
run h-no-possible 1 --sysroot "$h2" status
h "an empty cpu/possible is an error naming it" has "$out/h-no-possible.err" "$h2/sys/devices/system/cpu/possible: no CPU in it"
echo 0-3 >"$h2/sys/devices/system/cpu/possible"
echo zz >"$h2/sys/devices/system/cpu/cpu1/topology/core_id"
run h-garbled 1 --sysroot "$h2" status
h "a garbled sysfs file is named" has "$out/h-garbled.err" "$h2/sys/devices/system/cpu/cpu1/topology/core_id: not a number"
echo 1 >"$h2/sys/devices/system/cpu/cpu1/topology/core_id"
# cpuN/deferral: "on" shown as yes, anything but on/off an error naming it
echo on >"$h2/sys/devices/system/cpu/cpu1/deferral"
run h-defer 0 --sysroot "$h2" status -o cpu,defer --noheadings --raw
h "cpuN/deferral on is DEFER yes, a CPU without the file -" sh -c "
	grep -qx '1 yes' '$out/h-defer.out' && grep -qx '0 -' '$out/h-defer.out'"
echo maybe >"$h2/sys/devices/system/cpu/cpu1/deferral"
run h-defer-bad 1 --sysroot "$h2" status
h "a garbled cpuN/deferral is named" has "$out/h-defer-bad.err" "cpu1/deferral: unknown value 'maybe'"
rm "$h2/sys/devices/system/cpu/cpu1/deferral"
# usage errors: one rule, exit 2, in every verb
run h-usage-isolate 2 --sysroot "$h2" isolate
run h-usage-release 2 --sysroot "$h2" release 1 2
run h-usage-apply 2 --sysroot "$h2" apply extra
run h-usage-status 2 --sysroot "$h2" status --bogus
run h-usage-wait 2 --sysroot "$h2" isolate --wait=soon 1
run h-usage-monitor 2 monitor extra
h "usage errors exit 2 in every verb" has "$out/h-usage-wait.err" "--wait: 'soon' is not a number of seconds"

# the compat backend on a stock kernel's tree
hs=$out/h-stock
cp -r "$trees/guest-bootiso" "$hs"
mkdir -p "$hs/run"
run h-compat-cpu0 1 --sysroot "$hs" isolate 0
h "compat refuses CPU 0 as the patched backend does" has "$out/h-compat-cpu0.err" "CPU 0 cannot go offline"
run h-compat-never 0 --sysroot "$hs" release 1
h "compat release of a CPU never isolated says so" \
	sh -c "grep -qx 'cpu1: already online' '$out/h-compat-never.out' && ! grep -q released '$out/h-compat-never.out'"
run h-compat-bootrel 1 --sysroot "$hs" release 2
h "compat release of a CPU isolated at boot is refused" has "$out/h-compat-bootrel.err" "CPU 2 was isolated at boot"
run h-compat-bootiso 0 --sysroot "$hs" isolate 2
h "compat isolate of a CPU isolated at boot writes nothing" \
	sh -c "grep -q 'cpu2: already isolated at boot' '$out/h-compat-bootiso.out' && [ ! -e '$hs/run/cpuiso.compat' ] && [ ! -e '$hs/sys/fs/cgroup/cpuiso.isolated' ]"
cp "$hs/sys/fs/cgroup/cgroup.subtree_control" "$out/subtree.before"
run h-compat-fail 1 --sysroot "$hs" isolate 1
h "a failed compat isolate leaves no +cpuset, cgroup or record" \
	sh -c "! grep -q '+cpuset' '$hs/sys/fs/cgroup/cgroup.subtree_control' && [ ! -e '$hs/sys/fs/cgroup/cpuiso.isolated' ] && [ ! -e '$hs/run/cpuiso.compat' ]"
h "a failed compat isolate says one thing and names the file" \
	sh -c "grep -q 'cpuiso.isolated/cpuset.cpus: writing' '$out/h-compat-fail.err' && grep -q 'nothing changed' '$out/h-compat-fail.err' && ! grep -q 'undoing' '$out/h-compat-fail.err'"
cp "$out/subtree.before" "$hs/sys/fs/cgroup/cgroup.subtree_control"
# what the kernel creates on mkdir, here beforehand
mkdir -p "$hs/sys/fs/cgroup/cpuiso.isolated"
echo >"$hs/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus"
echo member >"$hs/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus.partition"
for v in "isolate -n 1" "isolate 1" "release -n 1" "release 1"; do
	n_=$(echo "$v" | tr ' ' _)
	run "h-compat-json$n_" 0 --sysroot "$hs" -J $v
	h "compat honours -J: $v" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["backend"] == "compat" and d["cpus"][0]["cpu"] == 1, d' "$out/h-compat-json$n_.out"
done
mkdir -p "$hs/etc"; echo 'isolated = 1' >"$hs/etc/cpuiso.conf"
run h-compat-apply-json 0 --sysroot "$hs" apply -n -J
h "compat honours -J: apply -n" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["cpus"][0]["outcome"] == "planned"' "$out/h-compat-apply-json.out"
# a compat run that died after isolating CPU 1: the next run rolls it back
run h-compat-iso 0 --sysroot "$hs" isolate 1
printf 'cpuiso-journal 1\ncompat\n1 online isolated\n' >"$hs/run/cpuiso.journal"
run h-compat-crash 0 --sysroot "$hs" release 1
h "a crash during a compat change is rolled back by the next run" \
	sh -c "grep -q 'interrupted cpuiso run was rolled back: 1 CPU' '$out/h-compat-crash.err' &&
	       [ ! -e '$hs/run/cpuiso.journal' ] && [ ! -e '$hs/run/cpuiso.compat' ] &&
	       grep -qx 'cpu1: already online' '$out/h-compat-crash.out'"
hv1=$out/h-v1
cp -r "$trees/guest-bootiso" "$hv1"
rm "$hv1/sys/fs/cgroup/cgroup.controllers"
run h-cgroup-v1 1 --sysroot "$hv1" isolate -n 1
h "without cgroup v2 the dry run refuses as the real run would" has "$out/h-cgroup-v1.err" "needs cgroup v2 cpuset partitions"
run h-json-error 2 --sysroot "$hv1" -J isolate 1x
h "with -J errors are JSON" python3 -c '
import json, sys
for l in open(sys.argv[1]): json.loads(l)["error"]' "$out/h-json-error.err"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	# a dry run never writes, so the live machine is safe here
	setpriv --reuid=65534 --regid=65534 --clear-groups "$cpuiso" isolate -n 1 \
		>"$out/h-nonroot.out" 2>"$out/h-nonroot.err"
	h "a dry run as non-root says the real run needs root" has "$out/h-nonroot.err" "the real run needs root"
fi
run h-null 0 --sysroot "$trees/build-host" status -J
h "an unknown value is null, never false" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["cpus"][0]
assert c["rcu-nocb"] is None and c["nohz-full"] is None, c' "$out/h-null.out"
run st-output 0 --sysroot "$trees/guest-bootiso" status -o cpu,isolate,needs --noheadings --raw
check "status -o, --noheadings, --raw" sh -c "
	grep -qx '1 yes nohz_full=,rcu_nocbs=' '$out/st-output.out' &&
	grep -qx '2 already -' '$out/st-output.out' && [ \$(wc -l <'$out/st-output.out') = 4 ]"
run st-badcol 2 --sysroot "$trees/guest-bootiso" status -o cpu,frob
check "status -o with an unknown column is a usage error" grep -q "unknown column 'frob'" "$out/st-badcol.err"
run st-backend 0 --sysroot "$trees/guest-runtime-iso" status -J -o +BACKEND 1
check "status says which backend an isolate would use" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["cpus"][0]["backend"] == "state"' "$out/st-backend.out"
smt=$out/smt
cp -r "$trees/guest-runtime-iso" "$smt"
for c in 1 3; do echo 1,3 >"$smt/sys/devices/system/cpu/cpu$c/topology/thread_siblings_list"; done
run smt-note 0 --sysroot "$smt" isolate -n 1
check "isolating a CPU whose SMT sibling stays says so" \
	grep -q 'CPU 1 shares its core with CPU 3, which stays a housekeeping CPU' "$out/smt-note.err"
echo 0-4 >"$smt/sys/devices/system/cpu/possible"
run st-absent 0 --sysroot "$smt" status -o cpu,state 4
check "status calls a possible CPU that is not present absent" grep -Eq '^ *4 +absent$' "$out/st-absent.out"
for v in "isolate --wait" "release --discard-journal" "apply --config" "status --noheadings" "monitor --count"; do
	set -- $v
	run "help-$1" 0 "$1" --help
	check "$1 --help explains $2" grep -q -- "$2" "$out/help-$1.out"
done
echo "# hostile cases: $hostile"

run monitor-sysroot 2 --sysroot "$w" monitor &&
	check "monitor refuses --sysroot" grep -q 'does not apply' "$out/monitor-sysroot.err"

# verify: counts between two reads of the tree's /proc files
v=$out/verify
cp -r "$trees/guest-bootiso" "$v"
run verify-quiet 0 --sysroot "$v" verify -d 0.2 --load none &&
	check "verify: the isolated CPUs by default, quiet when nothing moves" \
		sh -c "grep -Eq '^ +2 quiet' '$out/verify-quiet.out' &&
		       grep -Eq '^ +3 quiet' '$out/verify-quiet.out' &&
		       ! grep -Eq '^ +[01] ' '$out/verify-quiet.out'"
check "verify: no progress when stderr is not a terminal" \
	sh -c "! grep -q 'measur' '$out/verify-quiet.err'"
if command -v script >/dev/null; then
	script -qec "'$cpuiso' --sysroot '$v' verify 2 -d 0.3 --load none" /dev/null \
		>"$out/verify-tty.out" 2>&1 </dev/null
	check "verify: a progress line with the time left on a terminal" \
		grep -q 'measuring CPU 2, 1 s left' "$out/verify-tty.out"
	script -qec "'$cpuiso' --sysroot '$v' verify 2 -d 0.3 --load none -J" /dev/null \
		>"$out/verify-tty-json.out" 2>&1 </dev/null
	check "verify: no progress with -J, even on a terminal" \
		sh -c "! grep -q 'measur' '$out/verify-tty-json.out'"
fi
# a CPU disturbed during its window: its local timer, named, exit 1
# (CPU 2's LOC grows by 1000 every 0.1 s, whenever the window opens)
cp "$v/proc/interrupts" "$out/interrupts.orig"
( for i in $(seq 1 100); do
	sleep 0.1
	sed "s/^\( *LOC: *[0-9]* *[0-9]* *\)\([0-9]*\)/\1 ${i}000\2/" \
		"$out/interrupts.orig" >"$v/proc/interrupts.new"
	mv "$v/proc/interrupts.new" "$v/proc/interrupts"
  done ) &
bump=$!
run verify-disturbed 1 --sysroot "$v" verify 2 -d 0.5 --load none -J
kill $bump 2>/dev/null
wait $bump 2>/dev/null
cp "$out/interrupts.orig" "$v/proc/interrupts"
check "verify -J: the schema, and the disturbed CPU's source" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"threshold", "load", "cpus"}, d.keys()
assert d["threshold"] == 5 and d["load"] == "none"
(c,) = d["cpus"]
assert set(c) == {"cpu", "verdict", "seconds", "per-s", "counts", "traced",
                  "note", "osnoise", "load", "sources"}, c.keys()
assert c["cpu"] == 2 and c["verdict"] == "disturbed", c
assert set(c["counts"]) == {"irq", "softirq", "thread", "nmi"}
assert c["traced"] is False and "tracefs" in c["note"]
assert c["osnoise"] is None and c["load"] is None
(s,) = c["sources"]
assert s == {"class": "irq", "name": "LOC", "desc": "Local timer interrupts",
             "count": s["count"], "cause": None} and s["count"] >= 1000, s
assert c["counts"]["irq"] == s["count"] and c["per-s"] > 5
' "$out/verify-disturbed.out"
"$cpuiso" --sysroot "$v" verify 2 -d 20 --load none >/dev/null 2>"$out/verify-term.err" &
pid=$!
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
check "verify: SIGTERM closes the window and exits 1" \
	sh -c "[ $rc = 1 ] && grep -q 'stopped measuring CPU 2' '$out/verify-term.err'"
run verify-threshold 0 --sysroot "$v" verify 2 -d 0 --load none --threshold 0 &&
	check "verify --threshold 0: nothing moved, quiet" grep -Eq '^ +2 quiet' "$out/verify-threshold.out"
mkdir -p "$v/etc"
echo 'noise-threshold = 7.5' >"$v/etc/cpuiso.conf"
run verify-policy 0 --sysroot "$v" verify 2 -d 0 --load none -J &&
	check "verify: the policy's noise-threshold when none is given" python3 -c '
import json, sys; assert json.load(open(sys.argv[1]))["threshold"] == 7.5' "$out/verify-policy.out"
run verify-option 0 --sysroot "$v" verify 2 -d 0 --load none -J --threshold 3 &&
	check "verify: --threshold wins over the policy" python3 -c '
import json, sys; assert json.load(open(sys.argv[1]))["threshold"] == 3' "$out/verify-option.out"
echo 'noise-threshold = lots' >"$v/etc/cpuiso.conf"
run verify-badpolicy 2 --sysroot "$v" verify 2 -d 0 --load none &&
	check "verify: a bad policy names file and line" \
		grep -q "cpuiso.conf:1: noise-threshold: 'lots' is not a number" "$out/verify-badpolicy.err"
rm -r "$v/etc"
run verify-none 1 --sysroot "$trees/build-host" verify -d 0 --load none &&
	check "verify: no isolated CPU and none named" \
		grep -q 'no CPU is isolated here; name the CPUs to verify' "$out/verify-none.err"
run verify-badload 2 --sysroot "$v" verify --load idle &&
	check "verify --load idle is a usage error" grep -q "invalid load 'idle'" "$out/verify-badload.err"
run verify-baddur 2 --sysroot "$v" verify -d soon &&
	check "verify -d soon is a usage error" grep -q "invalid duration 'soon'" "$out/verify-baddur.err"
run verify-badplot 2 --sysroot "$v" verify --plot noise.txt &&
	check "verify --plot needs .svg or .png" grep -q 'must end in .svg or .png' "$out/verify-badplot.err"
run verify-badlist 2 --sysroot "$v" verify 9 &&
	check "verify 9: a CPU the machine does not have" grep -q "invalid CPU list '9'" "$out/verify-badlist.err"
if grep -q 'HAVE_CAIRO 1' "$(dirname "$cpuiso")/../config.h" 2>/dev/null; then
	run verify-plot 0 --sysroot "$v" verify -d 0 --load none --plot "$out/noise.svg" &&
		check "verify --plot draws an SVG" grep -q '<svg' "$out/noise.svg"
	run verify-png 0 --sysroot "$v" verify -d 0 --load none --plot "$out/noise.png" &&
		check "verify --plot draws a PNG" sh -c "head -c 8 '$out/noise.png' | grep -q PNG"
fi

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
check "completion: verify options" bash -c ". '$comp'; COMP_WORDS=(cpuiso verify --l); COMP_CWORD=2; _cpuiso
	[ \"\${COMPREPLY[*]}\" = --load ]"
check "completion: isolate options" bash -c ". '$comp'; COMP_WORDS=(cpuiso isolate --f); COMP_CWORD=2; _cpuiso
	[ \"\${COMPREPLY[*]}\" = --force ]"

# run: bad input exits 2 and runs nothing; never on a recorded tree
run run-no-command 2 --sysroot "$tree" run 1 &&
	check "run: a CPU and a command" grep -q "takes a CPU and a command" "$out/run-no-command.err"
run run-dashdash 2 --sysroot "$tree" run 1 -- &&
	check "run: '--' and no command" grep -q "takes a CPU and a command" "$out/run-dashdash.err"
run run-bad-cpu 2 --sysroot "$tree" run x -- true &&
	check "run: a bad CPU is named" grep -q "CPU: 'x' is not a CPU number" "$out/run-bad-cpu.err"
run run-signal-alone 2 --sysroot "$tree" run --signal USR1 1 -- true &&
	check "run: --signal needs --strict" grep -q "goes with --strict" "$out/run-signal-alone.err"
run run-bad-signal 2 --sysroot "$tree" run --strict --signal SIGNOPE 1 -- true &&
	check "run: a bad signal is named" grep -q "'SIGNOPE' is not a signal" "$out/run-bad-signal.err"
run run-sysroot 1 --sysroot "$tree" run 1 -- touch "$out/ran" &&
	check "run: refused under --sysroot, nothing ran" \
		sh -c "grep -q 'not with --sysroot' '$out/run-sysroot.err' && ! [ -e '$out/ran' ]"

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

tap_done
