#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install, from Debian's archive, everything cpuiso builds and tests with.
# Does nothing when all of it is there already.
#
#   deps.sh [bench]     # bench: also what tests/bench.sh draws with
set -euo pipefail

pkgs=(
	# userspace build
	build-essential meson ninja-build pkg-config python3
	libkmod-dev libsmartcols-dev libudev-dev libjson-c-dev libcmocka-dev
	libcairo2-dev
	# the OCI hook's end-to-end test: a real runtime, a busybox rootfs
	runc
	# kernel and module build
	linux-source-6.12 bc bison flex libelf-dev libssl-dev cpio xz-utils
	ccache kmod
	# the guest; rtla: the reference cpuiso verify is compared with
	qemu-system-x86 busybox-static udev rtla
	# the arm64 and ppc64le guests, cross-built
	qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	qemu-system-ppc gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
)
# the benchmarks' plots (tests/bench.sh), not needed by the tests
[ "${1:-}" != bench ] || pkgs+=(gnuplot-nox)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages, run as root: ${missing[*]}" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
