# SPDX-License-Identifier: GPL-2.0-or-later
# Shared settings of the test bed scripts (sourced, not run).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${CPUISO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cpuiso}
kernel_tarball=/usr/src/linux-source-6.12.tar.xz
kernel_pkg=linux-source-6.12

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
log() { echo "$(basename "$0"): $*" >&2; }

kernel_srcver() {
	dpkg-query -W -f='${Version}' "$kernel_pkg" 2>/dev/null ||
		die "$kernel_pkg is not installed (run tests/deps.sh)"
}

# The patches named by kernel-patches/series, in order.
# series_files [VARIANT]: the patches, in order; none for "stock", the
# kernel as Debian ships it (what the compat backend runs on)
series_files() {
	local s=$top/kernel-patches/series
	[ "${1:-}" != stock ] || return 0
	[ -f "$s" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$s" | while read -r p; do
		echo "$top/kernel-patches/$p"
	done
}

# variant_target VARIANT: the one place that says what a kernel variant
# is built for and booted on.  Sets arch and cross (make's ARCH= and
# CROSS_COMPILE=), image (the kernel's path in the tree; the kernel folder
# keeps it under its base name), qemu (the machine, without -kernel) and
# console.  lockdep, fast and stock are x86_64; arm64 and ppc64le are the
# small guests of tests/vm/ct-init.c.
variant_target() {
	case $1 in
	arm64)	arch=arm64 cross=aarch64-linux-gnu- image=arch/arm64/boot/Image
		qemu=(qemu-system-aarch64 -M virt -cpu cortex-a57) console=ttyAMA0 ;;
	ppc64le) # TCG cannot do the firmware's speculation workarounds: say so
		arch=powerpc cross=powerpc64le-linux-gnu- image=vmlinux
		qemu=(qemu-system-ppc64 -cpu power9
		      -M pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off)
		console=hvc0 ;;
	*)	arch=x86_64 cross= image=arch/x86/boot/bzImage
		qemu=(qemu-system-x86_64 -cpu max) console=ttyS0 ;;
	esac
}

# Cache key of a kernel: source version, series, config fragments, the
# build script itself and the variant's target; anything else cannot
# change the kernel image.
kernel_key() {
	local variant=$1
	{
		kernel_srcver
		echo "$variant"
		series_files "$variant" | xargs -r cat
		cat "$top/tests/vm/kconfig/base.config" \
		    "$top/tests/vm/kconfig/$variant.config" \
		    "$top/tests/vm/build-kernel.sh"
		variant_target "$variant"
		echo "$arch $cross $image"
	} | sha256sum | cut -c1-16
}

kernel_dir() { echo "$cache/kernel/$(kernel_key "$1")-$1"; }

# where run-guest.sh leaves its logs, and demo.sh and bench.sh read them
export CPUISO_VM_LOGS=${CPUISO_VM_LOGS:-$cache/guest/logs}
mkdir -p "$CPUISO_VM_LOGS"

# bench_start "$@": the options of a benchmark script that compares the
# series with a kernel before it (--before KERNEL_DIR, --help); sets
# before and data, a new folder for the script's logs in the cache
bench_start() {
	local name
	name=$(basename "$0")
	before=
	while [ $# -gt 0 ]; do
		case $1 in
		--before) before=${2:?--before takes a kernel folder}; shift 2 ;;
		-h|--help) sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
		*) echo "$name: unknown argument $1 (see --help)" >&2; exit 2 ;;
		esac
	done
	"$top/tests/deps.sh"
	data=$cache/${name%.sh}/$(date -u +%Y%m%d-%H%M%S)
	mkdir -p "$data"
	echo "$name: logs in $data" >&2
}

# bench_boot DATA NAME GROUP [run-guest.sh options]: one boot of GROUP for a
# benchmark; its TAP in DATA/NAME/tap, its figures (the guest's
# CPUISO-FIGURE lines) in DATA/NAME/figures.  The boot's exit code.
bench_boot() {
	local data=$1 name=$2 group=$3 rc=0
	shift 3
	mkdir -p "$data/$name"
	CPUISO_VM_LOGS=$data/$name "$top/tests/vm/run-guest.sh" "$@" "$group" \
		> "$data/$name/tap" 2>&1 || rc=$?
	sed -n 's/^CPUISO-FIGURE //p' "$data/$name/$group.log.txt" \
		> "$data/$name/figures" 2>/dev/null || true
	return $rc
}
