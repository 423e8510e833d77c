#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Make QEMU 7.2's ACPI tables say, as ACPI 6.3 firmware does, which
absent CPUs can be hot-added.

QEMU lists the CPUs it may add later (-smp N,maxcpus=M) as Local APIC
entries of its MADT without the Enabled flag, in ACPI 1.0 style.  Linux
6.12 takes such an entry for a CPU that can come only if the FADT says
ACPI 6.3 or later and the entry carries Online Capable, or under a
hypervisor it recognises, which TCG is not (acpi_is_processor_usable()).
This writes copies of both tables for the kernel's ACPI table upgrade
(CONFIG_ACPI_TABLE_UPGRADE, files under kernel/firmware/acpi/ of the
initrd):

- FADT: revision 6.3, extended to the 6.x length; the fields it gains are
  zero, which ACPICA reads as "use the legacy 32-bit fields";
- MADT: revision 5, Online Capable on every entry without Enabled;

each with a higher OEM revision (the upgrade takes only newer tables) and
its checksum.

    acpi63.py FACP_IN APIC_IN OUTDIR
"""
import struct
import sys

HEADER = 36
FADT_V6_LEN, FADT_MINOR_REV = 276, 131
MADT_FIXED = 8                  # local APIC address, flags
ENABLED, ONLINE_CAPABLE = 1, 2


def load(path, sig):
    t = bytearray(open(path, "rb").read())
    if t[:4] != sig or struct.unpack_from("<I", t, 4)[0] != len(t):
        sys.exit(f"acpi63.py: {path} is not a whole {sig.decode()} table")
    return t


def seal(t):
    """New length, higher OEM revision, checksum."""
    struct.pack_into("<I", t, 4, len(t))
    struct.pack_into("<I", t, 24, struct.unpack_from("<I", t, 24)[0] + 1)
    t[9] = 0
    t[9] = (-sum(t)) & 0xff
    return t


def fadt(t):
    t.extend(bytes(max(0, FADT_V6_LEN - len(t))))
    t[8] = 6
    t[FADT_MINOR_REV] = 3
    return seal(t)


def madt(t):
    t[8] = max(t[8], 5)
    off, absent = HEADER + MADT_FIXED, 0
    while off + 2 <= len(t):
        kind, length = t[off], t[off + 1]
        if length < 2:
            sys.exit("acpi63.py: bad MADT entry length")
        # Local APIC (type 0): flags at 4; Local x2APIC (9): flags at 8
        at = {0: 4, 9: 8}.get(kind)
        if at is not None:
            flags = struct.unpack_from("<I", t, off + at)[0]
            if not flags & ENABLED:
                struct.pack_into("<I", t, off + at, flags | ONLINE_CAPABLE)
                absent += 1
        off += length
    print(f"acpi63.py: {absent} absent CPU(s) marked online capable",
          file=sys.stderr)
    return seal(t)


def main():
    facp_in, apic_in, out = sys.argv[1:4]
    open(f"{out}/facp.aml", "wb").write(fadt(load(facp_in, b"FACP")))
    open(f"{out}/apic.aml", "wb").write(madt(load(apic_in, b"APIC")))


if __name__ == "__main__":
    main()
