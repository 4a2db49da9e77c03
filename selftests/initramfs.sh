#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the initramfs (gzip'd newc cpio) every emulated host boots: busybox
# and its applets, /init, the module, mvctl, the demo and the test binaries.
#
#   initramfs.sh --out FILE --module minivisor.ko --mvctl FILE \
#                [--tests DIR] [SUITE...]
#
# Each SUITE is taken from DIR/SUITE and lands in /tests/SUITE.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
busybox=/bin/busybox

usage() {
	echo "usage: $0 --out FILE --module FILE --mvctl FILE [--tests DIR] [SUITE...]" >&2
	exit 2
}

out='' module='' mvctl='' tests=''
while (($#)); do
	case "$1" in
	--out)		out=${2:?}; shift 2 ;;
	--module)	module=${2:?}; shift 2 ;;
	--mvctl)	mvctl=${2:?}; shift 2 ;;
	--tests)	tests=${2:?}; shift 2 ;;
	-*)		usage ;;
	*)		break ;;
	esac
done
[[ -n $out && -n $module && -n $mvctl ]] || usage
if (($#)) && [[ -z $tests ]]; then
	echo "$0: suites given without --tests DIR" >&2
	exit 2
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/minivisor,tests}

install -m 755 "$busybox" "$root/bin/busybox"
# The list names busybox itself: a bin/busybox -> busybox link would loop.
for applet in $("$busybox" --list); do
	[[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
done

install -m 755 "$here/init" "$root/init"
install -m 755 "$here/demo.sh" "$root/bin/mv-demo"
install -m 755 "$mvctl" "$root/bin/mvctl"
install -m 644 "$module" "$root/lib/minivisor/minivisor.ko"
for suite in "$@"; do
	install -m 755 "$tests/$suite" "$root/tests/$suite"
done

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --owner=0:0 --quiet) |
	gzip -9 >"$out"
