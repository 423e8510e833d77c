#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Each patch of kernel-patches/series must build on its own: apply the
# first K patches for K = 1..N and build bzImage (test-bed config, ccache).
# Slow (a header change rebuilds most of the tree): a developer's check
# before submitting a series, not part of CI.
#
#   check-series.sh [FIRST_K]
set -euo pipefail
. "$(dirname "$0")/common.sh"

mapfile -t patches < <(series_files)
[ ${#patches[@]} -gt 0 ] || die "the series is empty"
pristine=$cache/src/$(kernel_srcver)
[ -f "$pristine/Makefile" ] || die "run build-kernel.sh first (extracts the source)"
work=$cache/check-series
export CCACHE_DIR=$cache/ccache CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=5G

for ((k = ${1:-1}; k <= ${#patches[@]}; k++)); do
	rm -rf "$work"
	cp -a "$pristine" "$work"
	for ((i = 0; i < k; i++)); do
		git -C "$work" apply "${patches[$i]}" ||
			die "$(basename "${patches[$i]}") does not apply"
	done
	make -C "$work" ARCH=x86_64 -s tinyconfig >/dev/null
	(cd "$work" && ARCH=x86_64 ./scripts/kconfig/merge_config.sh -m .config \
		"$top/tests/vm/kconfig/base.config" \
		"$top/tests/vm/kconfig/lockdep.config" >/dev/null)
	make -C "$work" ARCH=x86_64 -s olddefconfig >/dev/null
	start=$(date +%s)
	if CCACHE_BASEDIR=$work make -C "$work" ARCH=x86_64 -j"$(nproc)" \
		CC="ccache gcc" -s bzImage >"$work.log" 2>&1; then
		echo "ok $k - builds with $(basename "${patches[$((k - 1))]}") ($(( $(date +%s) - start )) s)"
	else
		echo "not ok $k - $(basename "${patches[$((k - 1))]}") breaks the build:"
		grep -E 'error|Error' "$work.log" | head -5 | sed 's/^/#   /'
		exit 1
	fi
done
rm -rf "$work" "$work.log"
