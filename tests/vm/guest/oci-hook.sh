# SPDX-License-Identifier: GPL-2.0-or-later
# The OCI hook on the patched kernel, fed what a runtime feeds it: a
# container annotated for isolation whose cpuset is CPU 2 gets CPU 2
# isolated when it is created (the kernel says so: state, nohz_full, no
# sched domain) and released when it stops.
. /tests/lib.sh

hook=$(ls /usr/libexec/cpuiso-oci-hook /usr/lib/*/cpuiso-oci-hook 2>/dev/null | head -n 1)
[ -x "$hook" ] || { fail installed "no cpuiso-oci-hook in the guest"; exit 0; }
mkdir -p /tmp/bundle
cat > /tmp/bundle/config.json <<'JSON'
{"ociVersion": "1.0.2", "annotations": {"cpuiso.io/isolate": "true"},
 "linux": {"resources": {"cpu": {"cpus": "2"}}}}
JSON
sleep 600 &
ctr=$!
state() {
	printf '{"ociVersion": "1.0.2", "id": "guest-ctr", "status": "%s", "pid": %d, "bundle": "/tmp/bundle"}' \
		"$1" "$ctr"
}
dom=/sys/kernel/debug/sched/domains/cpu2
echo Y > /sys/kernel/debug/sched/verbose

check before-online [ "$(cat $C/cpu2/state)" = online ]
state creating | "$hook" createRuntime 2>/tmp/hook.err || fail create "$(cat /tmp/hook.err)"
check isolated [ "$(cat $C/cpu2/state)" = isolated ]
check nohz_full in_list 2 "$(cat $C/nohz_full)"
check no-domain [ -z "$(ls $dom | grep domain)" ]
check status-lists-container sh -c "cpuiso status | grep -q '^guest-ctr '"
state stopped | "$hook" poststop 2>/tmp/hook.err || fail poststop "$(cat /tmp/hook.err)"
check released [ "$(cat $C/cpu2/state)" = online ]
check domain-back [ -n "$(ls $dom | grep domain)" ]
kill $ctr
rmmod cpuiso 2>/dev/null
