#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build what the guest runs, against kernel build DIR (from build-kernel.sh):
# cpuiso and libcpuiso (plain build, no sanitizers), cpuiso.ko and the
# test modules (tests/vm/kmod), the static noise helper, rtla, and an
# initramfs holding them with busybox, udevd and the guest tests; for an
# arm64 or ppc64le kernel, tests/vm/ct-init.c alone.  Prints the
# initramfs path.
#
#   build-guest.sh KERNEL_DIR OUTDIR [VARIANT]
set -euo pipefail
. "$(dirname "$0")/common.sh"

kdir=${1:?usage: build-guest.sh KERNEL_DIR OUTDIR [VARIANT]}
outdir=${2:?usage: build-guest.sh KERNEL_DIR OUTDIR [VARIANT]}
variant_target "${3:-lockdep}"
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
stage=$outdir/stage
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,etc,root,tests}

# the arm64 and ppc64le guests (build-kernel.sh arm64|ppc64le): one
# static /init, their only test
if [ "$arch" != x86_64 ]; then
	"${cross}gcc" -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
		"$top/tests/vm/ct-init.c" -o "$stage/init"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$outdir/initramfs.cpio.gz"
	echo "$outdir/initramfs.cpio.gz"
	exit 0
fi

# userspace, the way a distribution would build it
ub=$outdir/userspace
# a build directory configured for another checkout would build that one
[ "$(cat "$ub/.cpuiso-source" 2>/dev/null)" = "$top" ] || rm -rf "$ub"
if [ ! -f "$ub/build.ninja" ]; then
	meson setup "$ub" "$top" --prefix=/usr --buildtype=release \
		-Dtests=disabled -Dplot=disabled >/dev/null
	echo "$top" > "$ub/.cpuiso-source"
fi
ninja -C "$ub" >/dev/null
DESTDIR=$stage meson install -C "$ub" --no-rebuild --quiet >/dev/null

# the module and the test modules, built out of the clone so the source
# stays clean
release=$(make -s -C "$kdir/linux" ARCH=$arch kernelrelease)
mkdir -p "$stage/lib/modules/$release/extra"
for src in hotplug-states tests/vm/kmod; do
	# cpuiso.ko needs the series (sched_replace_affinity): not for stock
	if [ "$src" = hotplug-states ] &&
	   ! grep -qw sched_replace_affinity "$kdir/linux/Module.symvers"; then
		continue
	fi
	mb=$outdir/module/$(basename "$src")
	rm -rf "$mb"
	mkdir -p "$(dirname "$mb")"
	cp -r "$top/$src" "$mb"
	make -s -C "$kdir/linux" M="$mb" ARCH=$arch modules
	cp "$mb/"*.ko "$stage/lib/modules/$release/extra/"
done
# in-tree test modules of the kernel (rcutorture and torture)
find "$kdir/linux/kernel" -name '*.ko' -exec cp {} "$stage/lib/modules/$release/extra/" \;
# kmod's depmod: libkmod looks modules up in the binary indexes
touch "$stage/lib/modules/$release/"{modules.order,modules.builtin,modules.builtin.modinfo}
depmod -b "$stage" "$release"

gcc -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$top/core" \
	"$top/tests/vm/noise.c" "$top/core/"{measure,attribute,tracefs,irqstat,context,path,cpuset,taskiso}.c \
	-o "$stage/usr/bin/noise" -lpthread
gcc -static -O2 -Wall -Wextra -Werror "$top/tests/vm/timing.c" -o "$stage/usr/bin/timing"
gcc -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror "$top/tests/vm/forkwin.c" \
	-o "$stage/usr/bin/forkwin" -lpthread
gcc -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$top/core" \
	"$top/tests/vm/tisol.c" "$top/core/"{taskiso,context,path,cpuset}.c \
	-o "$stage/usr/bin/tisol" -lpthread

cp /bin/busybox "$stage/bin/busybox"
for app in $("$stage/bin/busybox" --list-full); do
	[ -e "$stage/$app" ] || ln -s /bin/busybox "$stage/$app"
done
cp /bin/udevadm "$stage/bin/udevadm"
# rtla osnoise (Debian's): what verify-rtla.sh compares cpuiso verify with
cp /usr/bin/rtla "$stage/usr/bin/rtla"
mkdir -p "$stage/lib/systemd"
ln -sf /bin/udevadm "$stage/lib/systemd/systemd-udevd"

# shared libraries with their loader, as ldd resolves them
libs_of() {
	ldd "$@" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }'
}
bins=("$stage/usr/sbin/cpuiso" "$stage/bin/udevadm" "$stage/usr/bin/rtla"
	"$stage"/usr/libexec/cpuiso-oci-hook)
export LD_LIBRARY_PATH=$stage/usr/lib/x86_64-linux-gnu:$stage/usr/lib
for lib in $(libs_of "${bins[@]}" | sort -u); do
	case $lib in "$stage"/*) continue ;; esac
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done

cp "$top/tests/vm/init.sh" "$stage/init"
cp "$top/tests/vm/guest/"*.sh "$stage/tests/"
cp "$top/tests/record-tree.sh" "$stage/usr/bin/record-tree"
chmod +x "$stage/init" "$stage/tests/"*.sh "$stage/usr/bin/record-tree"
echo "root:x:0:0:root:/root:/bin/sh" > "$stage/etc/passwd"
echo "root:x:0:" > "$stage/etc/group"

(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$outdir/initramfs.cpio.gz"
echo "$outdir/initramfs.cpio.gz"
