#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make soak`: hours of both fuzzers in the emulated hosts, each round a
# fresh boot with a fresh seed. Two loops run side by side until the time
# is up (a round that has started runs to its end):
#   qemu   fuzz_uapi, SOAK_QEMU_CALLS ioctls a round (no VT-x, no vCPUs)
#   bochs  in turn fuzz_uapi (SOAK_BOCHS_CALLS ioctls, with vCPUs) and
#          fuzz_guest (SOAK_GUEST_RUNS guest runs)
# With --debug-kernel, each loop boots Debian's kernel and the debug kernel
# (selftests/debug-kernel/: KASAN, lockdep, kmemleak) in turn, a suite on
# both before the next; rounds on the debug kernel are logged as host
# qemu-debug or bochs-debug.
# The seed and count reach the suites as MV_FUZZ_SEED and MV_FUZZ_CALLS on
# the kernel command line, which hands them to /init's environment. A
# round fails on a failed or missing test, a timeout, a run that did not
# reach its end, or any WARN, BUG, oops, lockdep report or hung task in
# its log, or a leak kmemleak finds after rmmod on the debug kernel (the
# same judgement as run.sh). Each round keeps its console in
# OUT/HOST-ROUND/; OUT/soak.log lists the rounds, and the last lines
# printed sum them up; failing rounds are listed with their seed, which
# repeats them (MV_FUZZ_SEED, MV_FUZZ_CALLS).
#
#   soak.sh --module FILE --mvctl FILE --tests DIR --out DIR
#           [--hours H] [--kernel VMLINUZ]
#           [--debug-kernel DIR --debug-module FILE]
#
# H may have decimals (0.1 is 6 minutes); the default is $SOAK_HOURS, or 2.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
# shellcheck source=lib/timed.sh
source "$here/lib/timed.sh"
# shellcheck source=lib/boot-bochs.sh
source "$here/lib/boot-bochs.sh"
# shellcheck source=lib/boot-qemu.sh
source "$here/lib/boot-qemu.sh"
# shellcheck source=lib/console.sh
source "$here/lib/console.sh"
# shellcheck source=lib/scan-log.sh
source "$here/lib/scan-log.sh"
# shellcheck source=lib/tap.sh
source "$here/lib/tap.sh"
# shellcheck source=lib/kernels.sh
source "$here/lib/kernels.sh"

qemu_calls=${SOAK_QEMU_CALLS:-200000}
bochs_calls=${SOAK_BOCHS_CALLS:-20000}
guest_runs=${SOAK_GUEST_RUNS:-3000}
qemu_seconds=${SOAK_QEMU_TIMEOUT:-1800}
bochs_seconds=${SOAK_BOCHS_TIMEOUT:-7200}

usage() {
	cat >&2 <<-EOF
		usage: $0 --module FILE --mvctl FILE --tests DIR --out DIR [--hours H]
		          [--kernel VMLINUZ] [--debug-kernel DIR --debug-module FILE]
	EOF
	exit 2
}

die() {
	echo "$0: $*" >&2
	exit 2
}

# seed: a random 64-bit seed, in hex.
seed() {
	printf '0x%s\n' "$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
}

# round HOST N EMULATOR FLAVOUR CPUS VTX SECONDS SUITE CALLS: boot one
# round on the FLAVOUR kernel in OUT/HOST-N/ and append its verdict to
# OUT/soak.log: "HOST N SUITE SEED CALLS PASS|FAIL PASSED FAILED SECONDS [WHY]".
round() {
	local host=$1 n=$2 emu=$3 kind=$4 cpus=$5 vtx=$6 secs=$7 suite=$8 calls=$9
	local dir=$out/$host-$n serial=$out/$host-$n/serial.log
	local s status=0 start=$SECONDS tap passed failed why=''

	s=$(seed)
	rm -rf "$dir"
	mkdir -p "$dir"
	touch "$serial"
	"boot_$emu" "$dir" "$cpus" "$secs" "${vmlinuz[$kind]}" "${initrds[$kind]}" \
		"console=ttyS0 loglevel=5 panic=-1 mv.host=$host mv.vtx=$vtx mv.suites=$suite MV_FUZZ_SEED=$s MV_FUZZ_CALLS=$calls" ||
		status=$?

	tap=$(tap_summary "$serial" "$suite")
	read -r _ passed failed _ <<<"$tap"
	# grep reads all its input: an early exit would fail the pipeline.
	if ! console_lines "$serial" | grep '^\[mv\] start ' >/dev/null; then
		why="the host did not boot to /init, see $serial"
	elif timed_out "$status"; then
		why="timed out after $secs s"
	elif ! console_lines "$serial" | grep -x '\[mv\] end' >/dev/null; then
		why="no end marker"
	elif ! scan_kernel_log "$serial" >"$dir/trouble"; then
		why="kernel trouble, see $dir/trouble"
	fi
	# Trouble with the host counts as one more failed test.
	[[ -z $why ]] || failed=$((failed + 1))
	if [[ -z $why ]] && ((failed)); then
		why=$(sed -n 's/^failed //p' <<<"$tap" | head -n 1)
	fi
	printf '%s %d %s %s %s %s %d %d %d %s\n' "$host" "$n" "$suite" "$s" \
		"$calls" "$( ((failed)) && echo FAIL || echo PASS)" "$passed" \
		"$failed" $((SECONDS - start)) "$why" | tee -a "$out/soak.log"
}

# loop EMULATOR CPUS VTX SECONDS SUITE:CALLS...: rounds on EMULATOR until
# the deadline, taking the kernel flavours in turn, and after each pass
# over them the next suite.
loop() {
	local emu=$1 cpus=$2 vtx=$3 secs=$4 n=0 job kind host
	shift 4
	local -a jobs=("$@")

	while (($(date +%s) < deadline)); do
		kind=${flavours[n % ${#flavours[@]}]}
		job=${jobs[n / ${#flavours[@]} % ${#jobs[@]}]}
		host=$emu
		[[ $kind == debian ]] || host=$emu-$kind
		n=$((n + 1))
		round "$host" "$n" "$emu" "$kind" "$cpus" "$vtx" "$secs" \
			"${job%%:*}" "${job#*:}"
	done
}

# summary: the totals by host and suite, then the failed rounds. Fails if
# a round failed or none ran.
summary() {
	awk '
	{
		key = $1 " " $3
		rounds[key]++
		calls[key] += $5
		if ($6 == "FAIL") {
			bad[key]++
			why = ""
			for (i = 10; i <= NF; i++)
				why = why (i > 10 ? " " : "") $i
			failures = failures sprintf("  %s round %s: %s (MV_FUZZ_SEED=%s MV_FUZZ_CALLS=%s): %s\n",
				$1, $2, $3, $4, $5, why)
		}
		total++
		failed += ($6 == "FAIL")
	}
	END {
		for (key in rounds)
			printf "%s: %d rounds, %d calls, %d failed\n", key,
				rounds[key], calls[key], bad[key]
		if (failures != "")
			printf "failed rounds:\n%s", failures
		printf "soak: %d rounds, %d passed, %d failed\n", total,
			total - failed, failed
		exit !(total > 0 && failed == 0)
	}' "$out/soak.log"
}

module='' mvctl='' tests='' out='' kernel='' debug_kernel='' debug_module=''
hours=${SOAK_HOURS:-2}
while (($#)); do
	case "$1" in
	--module)	module=${2:?}; shift 2 ;;
	--mvctl)	mvctl=${2:?}; shift 2 ;;
	--tests)	tests=${2:?}; shift 2 ;;
	--out)		out=${2:?}; shift 2 ;;
	--hours)	hours=${2:?}; shift 2 ;;
	--kernel)	kernel=${2:?}; shift 2 ;;
	--debug-kernel)	debug_kernel=${2:?}; shift 2 ;;
	--debug-module)	debug_module=${2:?}; shift 2 ;;
	*)		usage ;;
	esac
done
[[ -n $module && -n $mvctl && -n $tests && -n $out ]] || usage
[[ -z $debug_kernel$debug_module || (-n $debug_kernel && -n $debug_module) ]] || usage
[[ $hours =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--hours wants a number, not $hours"
[[ -n $kernel ]] || kernel=$(newest_debian_kernel)
for file in "$module" "$mvctl" "$kernel" "$tests/fuzz_uapi" "$tests/fuzz_guest" \
	${debug_module:+"$debug_module"} ${debug_kernel:+"$debug_kernel/vmlinuz"}; do
	[[ -f $file ]] || die "no such file: $file"
done

mkdir -p "$out"
out=$(readlink -f "$out")
declare -A modules=([debian]=$module)
flavours=(debian)
use_debian_kernel "$kernel" "$out"
if [[ -n $debug_kernel ]]; then
	use_debug_kernel "$debug_kernel" "$out"
	modules[debug]=$debug_module
	flavours+=(debug)
fi
rm -f "$out/soak.log"
touch "$out/soak.log"
trap 'stop_timed "$out"/*/; wait; exit 130' INT TERM

for kind in "${flavours[@]}"; do
	"$here/initramfs.sh" --out "${initrds[$kind]}" --module "${modules[$kind]}" \
		--mvctl "$mvctl" --kernel-modules "${kernel_modules[$kind]}" \
		--tests "$tests" fuzz_uapi fuzz_guest
	echo "soak: kernel ${vmlinuz[$kind]} for the $kind rounds"
done
deadline=$(awk -v now="$(date +%s)" -v h="$hours" 'BEGIN { printf "%d", now + h * 3600 }')
echo "soak: $hours h from $(date -u +%H:%M) UTC, results in $out/"
echo "soak: host suite seed calls verdict passed failed seconds [why]"
loop qemu 2 0 "$qemu_seconds" "fuzz_uapi:$qemu_calls" &
loop bochs 1 1 "$bochs_seconds" "fuzz_uapi:$bochs_calls" \
	"fuzz_guest:$guest_runs" &
wait
summary
