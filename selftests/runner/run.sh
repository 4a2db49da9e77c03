#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run minivisor's selftests on emulated hosts: Debian's kernel booted in
# Bochs (VT-x) and QEMU TCG (no VT-x) from one busybox initramfs holding the
# module, mvctl and the test binaries. The hosts and their suites are listed
# in selftests/hosts.conf. Hosts marked there as debug hosts boot the debug
# kernel (selftests/debug-kernel/: KASAN, lockdep, kmemleak) instead, from
# an initramfs of their own with the module built for that kernel and that
# kernel's KVM and NVMe modules; without --debug-kernel they are left out
# unless named. Each host runs in OUT/HOST/; the hosts run in parallel. A
# host fails on kernel trouble in its log, a timeout or a run that did not
# reach its end; the tests' TAP results are summed up, and the last line
# printed is "N passed, N failed[, N skipped]".
#
# Hosts marked "all" in hosts.conf run only with --all (make check-all):
# the long variants that do not fit CI's time.
#
# The hosts that run the qemu_boot, lab or docs suite boot with QEMU
# appended to their initramfs (qemu-payload.sh), and qemu_boot's guest,
# its kernel given with --guest-kernel (selftests/qemu_guest/build.sh
# builds it).
#
# --demo boots bochs-1 with /bin/mv-demo in place of the suites and streams
# its serial console to stdout.

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
# shellcheck source=lib/suite-clock.sh
source "$here/lib/suite-clock.sh"

usage() {
	cat >&2 <<-EOF
		usage: $0 --module FILE --mvctl FILE --tests DIR --out DIR [--kernel VMLINUZ]
		          [--delay-module FILE] [--debug-kernel DIR --debug-module FILE]
		          [--guest-kernel VMLINUZ]
		          [--all | HOST...]
		       $0 --demo --module FILE --mvctl FILE --out DIR [--kernel VMLINUZ]
	EOF
	exit 2
}

die() {
	echo "$0: $*" >&2
	exit 2
}

# The per-host settings from hosts.conf, by host name.
declare -a hosts=()
declare -A emulator=() flavour=() cpus=() vtx=() seconds=() suites=()
declare -A all_only=()

# read_hosts FILE: fill the tables above. EMULATOR-debug in the EMULATOR
# column makes a debug host; a line that starts with "all" a host that
# only --all runs.
read_hosts() {
	local n=0 line name all
	local -a word

	while IFS= read -r line; do
		n=$((n + 1))
		read -ra word <<<"${line%%#*}"
		((${#word[@]})) || continue
		all=0
		if [[ ${word[0]} == all ]]; then
			all=1
			word=("${word[@]:1}")
		fi
		[[ ${#word[@]} -ge 6 &&
			$(type -t "boot_${word[1]%-debug}") == function &&
			${word[2]} =~ ^[1-9][0-9]*$ && ${word[3]} =~ ^[01]$ &&
			${word[4]} =~ ^[1-9][0-9]*$ ]] ||
			die "$1:$n: expected [all] NAME bochs|qemu[-debug] CPUS 0|1 TIMEOUT SUITE..."
		name=${word[0]}
		hosts+=("$name")
		all_only[$name]=$all
		emulator[$name]=${word[1]%-debug} flavour[$name]=debian
		[[ ${word[1]} != *-debug ]] || flavour[$name]=debug
		cpus[$name]=${word[2]} vtx[$name]=${word[3]}
		seconds[$name]=${word[4]} suites[$name]=${word[*]:5}
	done <"$1"
}

# cmdline HOST: the kernel command line for HOST, without its suites.
cmdline() {
	echo "console=ttyS0 loglevel=5 panic=-1 mv.host=$1 mv.vtx=${vtx[$1]}"
}

# host_initrd HOST: the initramfs HOST boots. It is its flavour's, and on
# a host that runs qemu_boot, lab or docs, that with the QEMU payload appended
# (qemu-payload.sh), written to OUT/HOST/initramfs.gz.
host_initrd() {
	local initrd=${initrds[${flavour[$1]}]}

	if [[ " ${suites[$1]} " == *" qemu_boot "* ||
		" ${suites[$1]} " == *" lab "* ||
		" ${suites[$1]} " == *" docs "* ]]; then
		cat "$initrd" "$out/qemu-payload.gz" >"$out/$1/initramfs.gz"
		initrd=$out/$1/initramfs.gz
	fi
	echo "$initrd"
}

# boot HOST EXTRA_CMDLINE: boot HOST from the initramfs in the (fresh)
# directory OUT/HOST/ and return run_timed's status.
boot() {
	"boot_${emulator[$1]}" "$out/$1" "${cpus[$1]}" "${seconds[$1]}" \
		"${vmlinuz[${flavour[$1]}]}" "$(host_initrd "$1")" \
		"$(cmdline "$1") $2"
}

# fresh_dir HOST: empty OUT/HOST/ for a new run.
fresh_dir() {
	rm -rf "${out:?}/$1"
	mkdir -p "$out/$1"
}

# judge HOST STATUS: write HOST's verdict to OUT/HOST/result: the line
# "counts PASSED FAILED SKIPPED", then the failures, one a line, for people.
# Trouble with the host itself counts as one failed test.
judge() {
	local name=$1 status=$2 serial=$out/$1/serial.log
	local tap trouble passed failed skipped
	local -a list problems=()

	touch "$serial"
	read -ra list <<<"${suites[$name]}"
	tap=$(tap_summary "$serial" "${list[@]}")
	read -r _ passed failed skipped <<<"$tap"
	if timed_out "$status"; then
		problems+=("host: timed out after ${seconds[$name]} s, see $serial")
	elif ! console_lines "$serial" | grep -x '\[mv\] end' >/dev/null; then
		problems+=("host: the run did not reach its end marker, see $serial")
	fi
	if ! trouble=$(scan_kernel_log "$serial"); then
		mapfile -t list <<<"$trouble"
		problems+=("host: kernel trouble in $serial:" "${list[@]/#/    }")
	fi
	((${#problems[@]} == 0)) || failed=$((failed + 1))

	echo "counts $passed $failed $skipped"
	sed -n 's/^failed //p' <<<"$tap"
	((${#problems[@]} == 0)) || printf '%s\n' "${problems[@]}"
}

# counts_text PASSED FAILED SKIPPED: "N passed, N failed[, N skipped]".
counts_text() {
	printf '%d passed, %d failed' "$1" "$2"
	(($3 == 0)) || printf ', %d skipped' "$3"
	echo
}

# run_host HOST: boot HOST with its suites, judge it, say how it went.
# OUT/HOST/suite-times gets each suite's wall-clock seconds.
run_host() {
	local name=$1 start=$SECONDS status=0 verdict=PASS booting
	local -a counts

	fresh_dir "$name"
	touch "$out/$name/serial.log"
	boot "$name" "mv.suites=${suites[$name]// /,}" &
	booting=$!
	suite_clock "$out/$name/serial.log" "$booting" >"$out/$name/suite-times" &
	wait "$booting" || status=$?
	wait $! || true
	judge "$name" "$status" >"$out/$name/result"
	read -ra counts <"$out/$name/result"
	((counts[2] == 0)) || verdict=FAIL
	echo "[$name] $verdict in $((SECONDS - start)) s: $(counts_text "${counts[@]:1}")"
}

# run_hosts HOST...: run the hosts, as many at once as there are CPUs here
# (a Bochs uses one), then print the failures and the totals. Fails if
# anything failed.
run_hosts() {
	local name jobs running=0 total_passed=0 total_failed=0 total_skipped=0
	local vt
	local -a counts

	jobs=$(nproc)
	for name; do
		if ((running == jobs)); then
			wait -n || true
			running=$((running - 1))
		fi
		vt=VT-x
		((vtx[$name])) || vt="no VT-x"
		echo "[$name] start: ${emulator[$name]}, ${flavour[$name]} kernel," \
			"${cpus[$name]} CPU(s), $vt," \
			"suites: ${suites[$name]}, timeout ${seconds[$name]} s"
		run_host "$name" &
		running=$((running + 1))
	done
	wait

	for name; do
		if [[ ! -s $out/$name/result ]]; then
			printf 'counts 0 1 0\nhost: the runner failed, see its messages above\n' \
				>"$out/$name/result"
		fi
		read -ra counts <"$out/$name/result"
		total_passed=$((total_passed + counts[1]))
		total_failed=$((total_failed + counts[2]))
		total_skipped=$((total_skipped + counts[3]))
		if ((counts[2] > 0)); then
			echo "$name failed:"
			tail -n +2 "$out/$name/result" | sed 's/^/  /'
		fi
	done
	counts_text "$total_passed" "$total_failed" "$total_skipped"
	((total_failed == 0))
}

# demo: boot bochs-1 into /bin/mv-demo, streaming its console. Succeeds if
# the demo reached its end marker with no kernel trouble on the way.
demo() {
	local name=bochs-1 serial=$out/bochs-1/serial.log status=0 trouble

	[[ ${emulator[$name]:-} == bochs ]] || die "hosts.conf has no Bochs host $name"
	echo "Booting $name in Bochs: about two minutes to the demo." >&2
	fresh_dir "$name"
	touch "$serial"
	boot "$name" mv.demo=1 &
	tail -n +1 -f --pid=$! "$serial"
	wait $! || status=$?

	if timed_out "$status"; then
		echo "demo: timed out after ${seconds[$name]} s, see $serial" >&2
		return 1
	fi
	if ! trouble=$(scan_kernel_log "$serial"); then
		printf 'demo: kernel trouble in %s:\n%s\n' "$serial" "$trouble" >&2
		return 1
	fi
	if ! console_lines "$serial" | grep -x '\[mv\] demo end' >/dev/null; then
		echo "demo: did not reach its end marker, see $serial" >&2
		return 1
	fi
}

demo=0 all=0 module='' mvctl='' tests='' out='' kernel='' debug_kernel='' debug_module=''
delay_module='' guest_kernel=''
while (($#)); do
	case "$1" in
	--demo)		demo=1; shift ;;
	--all)		all=1; shift ;;
	--module)	module=${2:?}; shift 2 ;;
	--mvctl)	mvctl=${2:?}; shift 2 ;;
	--tests)	tests=${2:?}; shift 2 ;;
	--out)		out=${2:?}; shift 2 ;;
	--kernel)	kernel=${2:?}; shift 2 ;;
	--debug-kernel)	debug_kernel=${2:?}; shift 2 ;;
	--debug-module)	debug_module=${2:?}; shift 2 ;;
	--delay-module)	delay_module=${2:?}; shift 2 ;;
	--guest-kernel)	guest_kernel=${2:?}; shift 2 ;;
	-*)		usage ;;
	*)		break ;;
	esac
done
[[ -n $module && -n $mvctl && -n $out ]] || usage
((demo)) || [[ -n $tests ]] || usage
((!demo || $# == 0)) || usage
((!all || ($# == 0 && !demo))) || usage
[[ -z $debug_kernel$debug_module || (-n $debug_kernel && -n $debug_module && $demo == 0) ]] ||
	usage
[[ -n $kernel ]] || kernel=$(newest_debian_kernel)
for file in "$module" "$mvctl" "$kernel" ${debug_module:+"$debug_module"} \
	${delay_module:+"$delay_module"} ${guest_kernel:+"$guest_kernel"} \
	${debug_kernel:+"$debug_kernel/vmlinuz"}; do
	[[ -f $file ]] || die "no such file: $file"
done

hosts_conf=$(readlink -f "$here/../hosts.conf")
read_hosts "$hosts_conf"
mkdir -p "$out"
out=$(readlink -f "$out")
use_debian_kernel "$kernel" "$out"
[[ -z $debug_kernel ]] || use_debug_kernel "$debug_kernel" "$out"
# Ctrl-C: stop the emulators (out of the terminal's reach, see lib/timed.sh).
trap 'stop_timed "$out"/*; wait; exit 130' INT TERM

if ((demo)); then
	"$here/initramfs.sh" --out "${initrds[debian]}" --module "$module" \
		--mvctl "$mvctl" --kernel-modules "${kernel_modules[debian]}"
	demo
	exit
fi

if ((!$#)); then
	for name in "${hosts[@]}"; do
		((all || !all_only[$name])) || continue
		[[ -z ${vmlinuz[${flavour[$name]}]:-} ]] || set -- "$@" "$name"
	done
	[[ -n $debug_kernel ]] ||
		echo "No --debug-kernel: the debug hosts are left out." >&2
fi
declare -A wanted=() flavours=()
for name; do
	[[ -n ${emulator[$name]:-} ]] || die "no host $name in $hosts_conf"
	[[ -n ${vmlinuz[${flavour[$name]}]:-} ]] ||
		die "host $name boots the debug kernel: give --debug-kernel and --debug-module"
	flavours[${flavour[$name]}]=1
	for suite in ${suites[$name]}; do
		[[ -x $tests/$suite ]] || die "no test binary $tests/$suite (host $name)"
		wanted[$suite]=1
	done
done
# The test build with delay points: the debug module is one already.
declare -A modules=([debian]=$module [debug]=$debug_module)
declare -A delay_modules=([debian]=$delay_module [debug]=$debug_module)
for kind in "${!flavours[@]}"; do
	"$here/initramfs.sh" --out "${initrds[$kind]}" --module "${modules[$kind]}" \
		${delay_modules[$kind]:+--delay-module "${delay_modules[$kind]}"} \
		--mvctl "$mvctl" --kernel-modules "${kernel_modules[$kind]}" \
		--tests "$tests" "${!wanted[@]}"
	echo "Kernel ${vmlinuz[$kind]} for the $kind hosts"
done
if [[ -n ${wanted[qemu_boot]:-} && -z $guest_kernel ]]; then
	die "the qemu_boot suite needs --guest-kernel (make guest-kernel builds it)"
fi
if [[ -n ${wanted[qemu_boot]:-} || -n ${wanted[lab]:-} ||
	-n ${wanted[docs]:-} ]]; then
	"$here/qemu-payload.sh" --out "$out/qemu-payload.gz" \
		${guest_kernel:+--guest-kernel "$guest_kernel"}
fi
echo "Results in $out/"
run_hosts "$@"
