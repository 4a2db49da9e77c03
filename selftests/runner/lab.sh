#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make lab`: boot one emulated VT-x host (Bochs, 1 CPU, with its e1000)
# whose /init runs /bin/mv-lab (mv.lab=1, selftests/runner/lab-host.sh):
# mvctl lab --json with the e1000 assigned, QEMU for the emulation model
# appended to the initramfs (qemu-payload.sh). Its serial console streams
# to OUT/bochs/serial.log; the results land in OUT as lab.json (mvctl's),
# lab.txt (the table, also printed) and lab.png (the chart). Fails if the
# run did not finish cleanly or a model's checksums were wrong.
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

# The boot and the lab's seven runs.
timeout_seconds=1200

usage() {
	echo "usage: $0 --module FILE --mvctl FILE --out DIR [--kernel VMLINUZ]" >&2
	exit 2
}

die() {
	echo "$0: $*" >&2
	exit 2
}

# lab_rows JSON: one line per model of mvctl lab's JSON: name, ran,
# compute ticks, times native, I/O ticks, I/O exits, exits per KiB,
# checksums ("-" where the model has none).
lab_rows() {
	awk '
	function value(key,    at, rest) {
		at = index($0, "\"" key "\": ")
		if (!at)
			return "-"
		rest = substr($0, at + length(key) + 4)
		sub(/[,}].*/, "", rest)
		gsub(/"/, "", rest)
		return rest
	}
	/"model": / {
		print value("model"), value("ran"), value("compute_ticks"),
		      value("compute_vs_native"), value("io_ticks"),
		      value("io_exits"), value("exits_per_kib"),
		      value("checksums_match")
	}' "$1"
}

# lab_table JSON: the table, as mvctl lab prints it.
lab_table() {
	printf '%-8s %14s %10s %14s %10s %10s  %s\n' model "compute ticks" \
		"vs native" "I/O ticks" "I/O exits" exits/KiB checksums
	lab_rows "$1" | while read -r name ran ticks ratio io exits per_kib match; do
		if [[ $ran != true ]]; then
			printf '%-8s %14s\n' "$name" "not run"
			continue
		fi
		[[ $match == true ]] && match=ok || match=WRONG
		[[ $per_kib == - ]] || per_kib=$(printf '%.2f' "$per_kib")
		printf '%-8s %14s %9.2fx %14s %10s %10s  %s\n' "$name" "$ticks" \
			"$ratio" "$io" "$exits" "$per_kib" "$match"
	done
}

# lab_plot JSON PNG: the compute part against native, and the I/O's ticks
# per KiB moved on a log scale, one bar per model.
lab_plot() {
	local compute io kib
	compute=$(mktemp) io=$(mktemp)
	kib=$(sed -n 's/.*"io_bytes": \([0-9]*\).*/\1/p' "$1")
	kib=$((kib / 1024))
	lab_rows "$1" | awk '$2 == "true" { print $1, $4 }' >"$compute"
	lab_rows "$1" | awk -v kib="$kib" '$2 == "true" && $5 != "-" {
		print $1, $5 / kib
	}' >"$io"
	gnuplot <<-PLOT
		set terminal png size 1000,450
		set output '$2'
		set termoption noenhanced
		set multiplot layout 1,2 title 'mvctl lab in Bochs: ticks are instructions'
		set style fill solid 0.6
		set boxwidth 0.6
		set grid ytics
		set key off
		set xtics rotate by -30
		set title 'compute part, times native (lower is better)'
		set yrange [0:*]
		plot '$compute' using 0:2:xtic(1) with boxes, 1 with lines dt 2 lc rgb 'black'
		set title 'I/O, ticks per KiB moved (log scale)'
		set logscale y
		set yrange [*:*]
		plot '$io' using 0:2:xtic(1) with boxes
		unset multiplot
	PLOT
	rm -f "$compute" "$io"
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
rm -rf "$host" "$out"/lab.{json,txt,png}
mkdir -p "$host"
touch "$serial"
trap 'stop_timed "$host"; wait; exit 130' INT TERM

"$here/initramfs.sh" --out "$out/base.gz" --module "$module" \
	--mvctl "$mvctl" --kernel-modules "${kernel_modules[debian]}"
"$here/qemu-payload.sh" --out "$out/qemu-payload.gz"
cat "$out/base.gz" "$out/qemu-payload.gz" >"$out/initramfs.gz"
echo "Booting Bochs (1 CPU): a few minutes to boot and run the lab's" \
	"seven models; console in $serial" >&2
status=0
boot_bochs "$host" 1 "$timeout_seconds" "${vmlinuz[debian]}" "$out/initramfs.gz" \
	"console=ttyS0 loglevel=5 panic=-1 mv.host=lab mv.vtx=1 mv.lab=1" &
wait $! || status=$?

check_boot "$status" "$serial" "$timeout_seconds" '\[mv\] lab end' \
	"$host/console.log" || exit 1

sed -n '/^\[mv\] lab json begin$/,/^\[mv\] lab json end$/p' "$host/console.log" |
	sed '1d;$d' | grep -v '^mvctl ' >"$out/lab.json"
lab_table "$out/lab.json" >"$out/lab.txt"
lab_plot "$out/lab.json" "$out/lab.png"
cat "$out/lab.txt"
grep -qx '\[mv\] lab exit=0' "$host/console.log" ||
	die "mvctl lab failed, see $out/lab.json and $serial"
