# SPDX-License-Identifier: GPL-2.0-or-later
# The firmware's FADT and MADT, base64 between markers, for run-guest.sh
# --online-capable (tests/vm/acpi63.py).  Kernel messages (a late device
# probe) are kept off the console meanwhile: they would cut the lines.
read -r level _ < /proc/sys/kernel/printk
echo 1 > /proc/sys/kernel/printk
for t in FACP APIC; do
	echo "CPUISO-ACPI-BEGIN $t"
	base64 /sys/firmware/acpi/tables/$t
	echo "CPUISO-ACPI-END"
done
echo "$level" > /proc/sys/kernel/printk
