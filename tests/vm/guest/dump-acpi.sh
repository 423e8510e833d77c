# SPDX-License-Identifier: GPL-2.0-or-later
# The firmware's FADT and MADT, base64 between markers, for run-guest.sh
# --online-capable (tests/vm/acpi63.py).
for t in FACP APIC; do
	echo "CPUISO-ACPI-BEGIN $t"
	base64 /sys/firmware/acpi/tables/$t
	echo "CPUISO-ACPI-END"
done
