#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make lab`: boot one emulated VT-x host (Bochs, 1 CPU, with its e1000)
# whose /init runs /bin/mv-lab (mv.lab=1, selftests/runner/lab-host.sh):
# mvctl lab with the e1000 assigned, QEMU for the emulation model
# appended to the initramfs (qemu-payload.sh). Its serial console streams
# to OUT/bochs/serial.log; the results land in OUT as lab.txt (mvctl's
# table, also printed), lab.gp (the chart's gnuplot script, which mvctl
# wrote there) and lab.png (the chart, drawn here). Fails if the run did
# not finish cleanly or a model's checksums were wrong.
#
#   lab.sh --module FILE --mvctl FILE --out DIR [--kernel VMLINUZ]

# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
# shellcheck source=lib/timed.sh
source "$here/lib/timed.sh"
# shellcheck source=lib/boot-bochs.sh
source "$here/lib/boot-bochs.sh"
# shellcheck source=lib/console.sh
source "$here/lib/console.sh"
# shellcheck source=lib/scan-log.sh
source "$here/lib/scan-log.sh"
# shellcheck source=lib/kernels.sh
source "$here/lib/kernels.sh"
# shellcheck source=lib/one-boot.sh
source "$here/lib/one-boot.sh"

# The boot and the lab's eight runs.
timeout_seconds=1200

usage() {
	echo "usage: $0 --module FILE --mvctl FILE --out DIR [--kernel VMLINUZ]" >&2
	exit 2
}

die() {
	echo "$0: $*" >&2
	exit 2
}

# between BEGIN END: the lines of the lab host's console between its
# "[mv] lab BEGIN" and "[mv] lab END" markers, without mvctl's messages
# ("mvctl lab: ...") or the kernel's ("[    6.847896] ...").
between() {
	sed -n "/^\[mv\] lab $1\$/,/^\[mv\] lab $2\$/p" "$host/console.log" |
		sed '1d;$d' | grep -Ev '^mvctl [a-z]+: |^\[ *[0-9]+\.[0-9]+\] '
}

module='' mvctl='' out='' kernel=''
while (($#)); do
	case "$1" in
	--module)	module=${2:?}; shift 2 ;;
	--mvctl)	mvctl=${2:?}; shift 2 ;;
	--out)		out=${2:?}; shift 2 ;;
	--kernel)	kernel=${2:?}; shift 2 ;;
	*)		usage ;;
	esac
done
[[ -n $module && -n $mvctl && -n $out ]] || usage
[[ -n $kernel ]] || kernel=$(newest_debian_kernel)
for file in "$module" "$mvctl" "$kernel"; do
	[[ -f $file ]] || die "no such file: $file"
done

mkdir -p "$out"
out=$(readlink -f "$out")
use_debian_kernel "$kernel" "$out"
host=$out/bochs serial=$out/bochs/serial.log
rm -rf "$host" "$out"/lab.{json,txt,gp,png}
mkdir -p "$host"
touch "$serial"
trap 'stop_timed "$host"; wait; exit 130' INT TERM

"$here/initramfs.sh" --out "$out/base.gz" --module "$module" \
	--mvctl "$mvctl" --kernel-modules "${kernel_modules[debian]}"
"$here/qemu-payload.sh" --out "$out/qemu-payload.gz"
cat "$out/base.gz" "$out/qemu-payload.gz" >"$out/initramfs.gz"
echo "Booting Bochs (1 CPU): a few minutes to boot and run the lab's" \
	"eight models; console in $serial" >&2
status=0
boot_bochs "$host" 1 "$timeout_seconds" "${vmlinuz[debian]}" "$out/initramfs.gz" \
	"console=ttyS0 loglevel=5 panic=-1 mv.host=lab mv.vtx=1 mv.lab=1" &
wait $! || status=$?

check_boot "$status" "$serial" "$timeout_seconds" '\[mv\] lab end' \
	"$host/console.log" || exit 1

between "table begin" "table end" >"$out/lab.txt"
between "chart begin" "chart end" >"$out/lab.gp"
(cd "$out" && gnuplot lab.gp)
cat "$out/lab.txt"
grep -qx '\[mv\] lab exit=0' "$host/console.log" ||
	die "mvctl lab failed, see $out/lab.txt and $serial"
