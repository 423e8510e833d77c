#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cpuiso-oci-hook end to end with a real OCI runtime (runc from Debian;
# CPUISO_OCI_RUNTIME=crun to try another): busybox containers whose
# createRuntime and poststop hooks run cpuiso-oci-hook --sysroot on a
# writable copy of a recorded tree (tests/trees/guest-runtime-iso: 4 CPUs,
# cpuN/state, CPU 2 isolated by hand).  This machine's own CPUs are never
# touched: the hook only writes under the copy.  The containers really run
# (namespaces, the cgroup cpuset of linux.resources.cpu.cpus), so their
# CPUs must exist here: they use CPU 1.  TAP output; a runtime that cannot
# run a container here skips the test with its error, never passes it.
#
#   test-oci-runtime.sh HOOK_BINARY CPUISO_BINARY HOOKS_D_JSON
set -u
usage="usage: test-oci-runtime.sh HOOK CPUISO HOOKS_D_JSON"
hook=$(realpath "${1:?$usage}")
cpuiso=$(realpath "${2:?$usage}")
hooksd=$(realpath "${3:?$usage}")
here=$(cd "$(dirname "$0")" && pwd)
runtime=${CPUISO_OCI_RUNTIME:-runc}
. "$here/../tap.sh"


[ "$(id -u)" = 0 ] || skip_all "needs root: $runtime creates namespaces and cgroups"
command -v "$runtime" >/dev/null || skip_all "$runtime not installed (tests/deps.sh installs runc)"
busybox=$(command -v busybox) || skip_all "busybox not installed (busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && skip_all "$busybox is not static (busybox-static)"
[ -d /sys/devices/system/cpu/cpu1 ] ||
	skip_all "the containers run on CPU 1 (their cgroup cpuset), this machine has none"

work=$(mktemp -d /tmp/cpuiso-oci-XXXXXX)
state=$work/runtime-state		# the runtime's own --root, not /run/runc
# container ids (and so cgroup names) of this run: NAME is ${pfx}NAME
pfx=cpuiso-test-$$-
rt() { "$runtime" --root "$state" "$@"; }
cleanup() {
	for id in $(rt list -q 2>/dev/null); do
		rt kill "$id" KILL >/dev/null 2>&1
		rt delete -f "$id" >/dev/null 2>&1
	done
	rm -rf "$work"
}
trap cleanup EXIT

tree=$work/tree
cp -a "$here/../trees/guest-runtime-iso" "$tree"
mkdir -p "$tree/run"
cpu() { cat "$tree/sys/devices/system/cpu/cpu$1/state"; }
records() { ls "$tree/run/cpuiso/containers" 2>/dev/null | sed "s/^$pfx//" | tr '\n' ' '; }
tap_diag() {
	echo "states: $(cpu 0) $(cpu 1) $(cpu 2) $(cpu 3); records: $(records)"
	tail -n 5 "$work"/*.log 2>/dev/null
}

rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys" "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for a in sh sleep echo cat true; do ln -s busybox "$rootfs/bin/$a"; done

# bundle NAME CPUS ISOLATE [ARGS...]: a bundle with the hooks that the
# hooks.d file gives it, as Podman and CRI-O read it (hooks 1.0.0: every
# stage in "stages" when an annotation matches "when.annotations"), with
# the built hook for "path" and --sysroot added to "args"
bundle() {
	local name=$1 cpus=$2 isolate=$3
	shift 3
	mkdir -p "$work/$name"
	(cd "$work/$name" && rt spec) || return 1
	python3 - "$work/$name/config.json" "$rootfs" "$cpus" "$isolate" \
		"$hook" "$tree" "$hooksd" "$@" <<'PY'
import json, re, sys
path, rootfs, cpus, isolate, hook, tree, hooksd = sys.argv[1:8]
args = sys.argv[8:] or ["sleep", "600"]
c = json.load(open(path))
c["root"] = {"path": rootfs, "readonly": True}
c["process"]["args"] = args
c["process"]["terminal"] = False
ann = c.setdefault("annotations", {})
if isolate:
    ann["cpuiso.io/isolate"] = isolate
c["linux"].setdefault("resources", {})["cpu"] = {"cpus": cpus, "mems": "0"}
d = json.load(open(hooksd))
assert d["version"] == "1.0.0", d["version"]
if any(re.search(kre, k) and re.search(vre, v)
       for kre, vre in d["when"]["annotations"].items() for k, v in ann.items()):
    h = dict(d["hook"], path=hook, args=d["hook"]["args"] + ["--sysroot", tree])
    c["hooks"] = {stage: [h] for stage in d["stages"]}
json.dump(c, open(path, "w"), indent=1)
PY
}

# start NAME: run the container detached; its runtime's output in NAME.log
start() {
	rt run -d -b "$work/$1" "$pfx$1" </dev/null >"$work/$1.log" 2>&1
}
stop() {
	rt kill "$pfx$1" KILL >/dev/null 2>&1
	for _ in $(seq 50); do
		rt state "$pfx$1" 2>/dev/null | grep -q '"status": "stopped"' && break
		sleep 0.1
	done
	rt delete "$pfx$1" >>"$work/$1.log" 2>&1
}
exists() { rt state "$pfx$1" >/dev/null 2>&1; }
# die NAME: the container's process is killed; the runtime is not told
die() {
	local pid
	pid=$(rt state "$pfx$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	kill -9 "$pid"
	for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
}

# Can this runtime run a container here at all?  If not, say exactly why.
bundle probe 1 "" true || skip_all "$runtime spec failed"
if ! rt run -b "$work/probe" "${pfx}probe" </dev/null >"$work/probe.log" 2>&1; then
	skip_all "$runtime cannot run a container here: $(tr '\n' ' ' <"$work/probe.log")"
fi
rt delete -f "${pfx}probe" >/dev/null 2>&1

# 1. a container annotated for isolation starts with its CPU isolated
bundle a 1 true
if start a; then ok "container a starts"; else not_ok "container a starts" "$(tap_diag)"; fi
check "a: CPU 1 isolated in the tree at start" [ "$(cpu 1)" = isolated ]
check "a: CPUs 0 and 3 stay housekeeping, 2 stays isolated by hand" \
	[ "$(cpu 0) $(cpu 2) $(cpu 3)" = "online isolated online" ]
"$cpuiso" --sysroot "$tree" status >"$work/status.out" 2>&1
check "cpuiso status lists CPU 1 as container a's" \
	grep -Eq "^${pfx}a +1 +1 +[0-9]+" "$work/status.out"

# 2. two containers never share a CPU: b wants CPU 1 too, its start aborts
bundle b 1 true
if start b; then
	not_ok "b (CPU 1, held by a) is refused"
else
	ok "b (CPU 1, held by a) is refused"
fi
check "b: the runtime says why" grep -q "CPU 1 belongs to container ${pfx}a" "$work/b.log"
check "b: the container does not exist" eval '! exists b'
check "b: a keeps CPU 1, b has no record" \
	[ "$(cpu 1) $(records)" = "isolated a " ]

# 3. a stops: poststop releases what its start isolated, and only that
stop a
check "a: CPU 1 released at stop" [ "$(cpu 1)" = online ]
check "a: CPU 2 (isolated by hand) stays isolated, record gone" \
	[ "$(cpu 2) $(records)" = "isolated " ]

# 4. a refused isolation aborts the start: the last housekeeping CPU
echo isolated >"$tree/sys/devices/system/cpu/cpu0/state"
echo isolated >"$tree/sys/devices/system/cpu/cpu3/state"
bundle c 1 true
if start c; then not_ok "c (last housekeeping CPU) is refused" "$(tap_diag)"
else ok "c (last housekeeping CPU) is refused"; fi
check "c: the runtime says why" grep -q "no online housekeeping CPU" "$work/c.log"
check "c: nothing changed, the container does not exist" \
	eval '[ "$(cpu 1) $(records)" = "online " ] && ! exists c'
echo online >"$tree/sys/devices/system/cpu/cpu0/state"
echo online >"$tree/sys/devices/system/cpu/cpu3/state"

# 5. not annotated, or "false": the hooks.d rule gives it no hook
# (not $name: check's own local would hide it inside the eval)
for c in plain: no:false; do
	ctr=${c%%:*}
	bundle "$ctr" 1 "${c#*:}"
	check "$ctr (annotation '${c#*:}') starts" start "$ctr"
	check "$ctr: no hook, CPU 1 not isolated" \
		eval '[ -f "$work/$ctr/config.json" ] &&
		      ! grep -q cpuiso-oci-hook "$work/$ctr/config.json" &&
		      [ "$(cpu 1) $(records)" = "online " ]'
	stop "$ctr"
done

# 6. a container dies and its runtime never runs poststop: the record stays
bundle d 1 true
check "d starts" start d
die d
check "d killed without poststop: CPU 1 still isolated, record kept" \
	[ "$(cpu 1) $(records)" = "isolated d " ]
# the next hook run reconciles it: e gets CPU 1
bundle e 1 true
check "e starts on CPU 1 after d's record is reconciled" start e
check "e: CPU 1 isolated for e, d's record gone" \
	[ "$(cpu 1) $(records)" = "isolated e " ]
stop e
check "e: CPU 1 released at stop" [ "$(cpu 1) $(records)" = "online " ]
stop d
check "d's late poststop changes nothing" [ "$(cpu 1) $(records)" = "online " ]

# 7. or without waiting for a start: cpuiso-oci-hook --reconcile
bundle f 1 true
check "f starts" start f
die f
check "f killed: CPU 1 still isolated" [ "$(cpu 1) $(records)" = "isolated f " ]
check "--reconcile succeeds" "$hook" --sysroot "$tree" --reconcile
check "--reconcile released f's CPU 1 and its record" \
	[ "$(cpu 1) $(records)" = "online " ]
stop f

tap_done
