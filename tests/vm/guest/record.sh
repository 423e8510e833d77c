# SPDX-License-Identifier: GPL-2.0-or-later
# Record this guest's /sys and /proc for the unit tests: a tar over the
# serial console, base64 between markers the runner cuts out.
. /tests/lib.sh

name=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^cpuiso_record=//p')
[ -n "$name" ] || { skip tree "no cpuiso_record= name"; exit 0; }
rm -rf /tmp/tree
record-tree /tmp/tree
echo "CPUISO-TREE-BEGIN $name"
tar -C /tmp/tree -czf - . | base64
echo "CPUISO-TREE-END"
ok tree
