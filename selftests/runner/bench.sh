#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: boot one emulated VT-x host (Bochs, 1 CPU) whose /init
# runs bench_full (mv.bench=1): every operation of the benchmark on KVM,
# then on minivisor, in the same boot. Its serial console streams to
# OUT/bochs/serial.log (console.log once mended); the results land in OUT
# as results.txt (the raw lines), bench.txt (the table, also printed),
# bench.json and bench.png (the ratios). Fails if the run did not finish
# cleanly.
#
#   bench.sh --module FILE --mvctl FILE --tests DIR --out DIR [--kernel VMLINUZ]
#
# DIR holds bench_full.

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
# shellcheck source=lib/bench-report.sh
source "$here/lib/bench-report.sh"
# shellcheck source=lib/kernels.sh
source "$here/lib/kernels.sh"
# shellcheck source=lib/one-boot.sh
source "$here/lib/one-boot.sh"

# The boot, KVM's modules (a slow insmod in Bochs) and both devices.
timeout_seconds=2400

usage() {
	echo "usage: $0 --module FILE --mvctl FILE --tests DIR --out DIR [--kernel VMLINUZ]" >&2
	exit 2
}

die() {
	echo "$0: $*" >&2
	exit 2
}

module='' mvctl='' tests='' out='' kernel=''
while (($#)); do
	case "$1" in
	--module)	module=${2:?}; shift 2 ;;
	--mvctl)	mvctl=${2:?}; shift 2 ;;
	--tests)	tests=${2:?}; shift 2 ;;
	--out)		out=${2:?}; shift 2 ;;
	--kernel)	kernel=${2:?}; shift 2 ;;
	*)		usage ;;
	esac
done
[[ -n $module && -n $mvctl && -n $tests && -n $out ]] || usage
[[ -n $kernel ]] || kernel=$(newest_debian_kernel)
for file in "$module" "$mvctl" "$kernel" "$tests/bench_full"; do
	[[ -f $file ]] || die "no such file: $file"
done

mkdir -p "$out"
out=$(readlink -f "$out")
use_debian_kernel "$kernel" "$out"
host=$out/bochs serial=$out/bochs/serial.log
rm -rf "$host" "$out"/results.txt "$out"/bench.{txt,json,png}
mkdir -p "$host"
touch "$serial"
trap 'stop_timed "$host"; wait; exit 130' INT TERM

"$here/initramfs.sh" --out "${initrds[debian]}" --module "$module" \
	--mvctl "$mvctl" --kernel-modules "${kernel_modules[debian]}" \
	--tests "$tests" bench_full
echo "Booting Bochs (1 CPU): a few minutes to boot, load KVM and run the" \
	"benchmark on both devices; console in $serial" >&2
status=0
boot_bochs "$host" 1 "$timeout_seconds" "${vmlinuz[debian]}" "${initrds[debian]}" \
	"console=ttyS0 loglevel=5 panic=-1 mv.host=bench mv.vtx=1 mv.bench=1" &
tail -n +1 -f --pid=$! "$serial" | tr -d '\r' | grep --line-buffered '^\[mv:bench\]' >&2 || true
wait $! || status=$?

check_boot "$status" "$serial" "$timeout_seconds" '\[mv\] bench end' \
	"$host/console.log" || exit 1

sed -n 's/^\[mv:bench\] //p' "$host/console.log" >"$out/results.txt"
bench_table "$out/results.txt" >"$out/bench.txt"
bench_json "$out/results.txt" >"$out/bench.json"
bench_plot "$out/results.txt" "$out/bench.png"
cat "$out/bench.txt"
grep -qx '\[mv\] bench exit=0' "$host/console.log" ||
	die "bench_full failed, see $out/results.txt"
