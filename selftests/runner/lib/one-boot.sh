#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The end of a one-host run (bench.sh, lab.sh): did the emulated host's
# boot finish as it should? Needs lib/timed.sh, lib/scan-log.sh and
# lib/console.sh sourced first.

# check_boot STATUS SERIAL SECONDS MARKER CONSOLE: fail, saying why, unless
# the boot (STATUS: run_timed's) ended within its SECONDS, the kernel
# logged no trouble in SERIAL, and the mended console output, written to
# CONSOLE, holds the line MARKER.
check_boot() {
	local trouble

	if timed_out "$1"; then
		echo "$0: timed out after $3 s, see $2" >&2
		return 1
	fi
	if ! trouble=$(scan_kernel_log "$2"); then
		printf '%s: kernel trouble in %s:\n%s\n' "$0" "$2" "$trouble" >&2
		return 1
	fi
	console_lines "$2" >"$5"
	if ! grep -qx "$4" "$5"; then
		echo "$0: the run did not reach its end marker, see $2" >&2
		return 1
	fi
}
