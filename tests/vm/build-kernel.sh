#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build Linux 6.12 (Debian's linux-source-6.12) with kernel-patches/series
# applied and the test-bed config, once per cache key.  Prints the directory
# that holds the kernel image (bzImage, Image or vmlinux) and the build tree
# (linux/) for out-of-tree modules.
#
#   build-kernel.sh [lockdep|fast|stock|arm64|ppc64le]
#
# arm64 and ppc64le are cross-built (Debian's gcc-aarch64-linux-gnu and
# gcc-powerpc64le-linux-gnu) from their own fragment, without modules: an
# Image for QEMU's "virt" machine, a vmlinux for its "pseries" machine.
set -euo pipefail
. "$(dirname "$0")/common.sh"

variant=${1:-lockdep}
[ -f "$top/tests/vm/kconfig/$variant.config" ] || die "unknown variant '$variant'"
variant_target "$variant"
out=$(kernel_dir "$variant")
if [ -f "$out/$(basename "$image")" ]; then
	echo "$out"
	exit 0
fi

srcver=$(kernel_srcver)
pristine=$cache/src/$srcver
if [ ! -f "$pristine/Makefile" ]; then
	log "extracting $kernel_tarball ($srcver)"
	rm -rf "$pristine.tmp"
	mkdir -p "$pristine.tmp"
	tar -xJf "$kernel_tarball" -C "$pristine.tmp" --strip-components=1
	mv "$pristine.tmp" "$pristine"
fi

# the other architectures' fragments stand alone over their tinyconfig
frags=("$top/tests/vm/kconfig/$variant.config")
[ "$arch" != x86_64 ] || frags=("$top/tests/vm/kconfig/base.config" "${frags[@]}")

tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
cp -a "$pristine" "$tmp/linux"
tree=$tmp/linux

n=0
while read -r p; do
	[ -n "$p" ] || continue
	[ -f "$p" ] || die "series names a missing patch: $p"
	git -C "$tree" apply --whitespace=nowarn "$p" ||
		die "patch does not apply: $(basename "$p")"
	n=$((n + 1))
done < <(series_files "$variant")
log "applied $n patch(es)"

mk() {
	make -C "$tree" ARCH=$arch CROSS_COMPILE=$cross -j"$(nproc)" \
	     CC="ccache ${cross}gcc" HOSTCC="ccache gcc" \
	     KBUILD_BUILD_TIMESTAMP=2024-01-01 KBUILD_BUILD_USER=cpuiso \
	     KBUILD_BUILD_HOST=testbed "$@"
}
export CCACHE_DIR=$cache/ccache CCACHE_BASEDIR=$tree CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=5G

mk -s tinyconfig >/dev/null
(cd "$tree" && ARCH=$arch ./scripts/kconfig/merge_config.sh -m .config \
	"${frags[@]}" >/dev/null)
mk -s olddefconfig >/dev/null

# A fragment line that did not survive olddefconfig is a config bug: say so.
# Options the series adds (CONFIG_TASK_ISOLATION) are checked only where
# the tree defines them: the stock kernel has no such symbol.
known=$(grep -rhs --include='Kconfig*' -E '^(menu)?config [A-Z0-9_]+' "$tree" |
	awk '{ print $2 }' | sort -u)
missing=$(cat "${frags[@]}" |
	grep -E '^CONFIG_[A-Z0-9_]+=[ym]' | while read -r l; do
		sym=${l%%=*}
		grep -qx "${sym#CONFIG_}" <<< "$known" || continue
		grep -qx "$l" "$tree/.config" || echo "$l"
	done)
[ -z "$missing" ] || die "config options not set after merge: $(echo $missing)"

log "building $(basename "$image") ($variant) in $tree"
start=$(date +%s)
if [ "$arch" != x86_64 ]; then
	mk -s "$(basename "$image")"
else
	mk -s bzImage modules_prepare
	mk -s modules >/dev/null
fi
log "kernel built in $(( $(date +%s) - start )) s"

cp "$tree/$image" "$tmp/"
rm -rf "$out"
mv "$tmp" "$out"
ln -sfn "$out/linux" "$out/build"
sed -i "s#$tmp#$out#g" "$out/linux/include/config/auto.conf.cmd" 2>/dev/null || true

# keep the three newest kernels of this variant
ls -dt "$cache"/kernel/*-"$variant" 2>/dev/null | tail -n +4 | xargs -r rm -rf
echo "$out"
