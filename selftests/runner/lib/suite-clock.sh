#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Wall-clock time of each suite on a host, read off the serial log while the
# host runs: /init prints "[mv] suite SUITE exit=N" when a suite ends, so
# the time between two such lines is what the later suite cost, and the
# first suite's time includes the boot. These are the figures to balance
# selftests/hosts.conf by. Sourced by selftests/runner/run.sh.

# suite_clock SERIAL PID: until process PID ends, print "SUITE SECONDS" for
# each suite that ends in SERIAL, SECONDS since the previous suite ended
# (or since this call, for the first).
suite_clock() {
	local serial=$1 pid=$2 line last=$SECONDS

	tail -n +1 -F --pid="$pid" "$serial" 2>/dev/null |
		while IFS= read -r line; do
			line=${line%$'\r'}
			[[ $line =~ ^\[mv\]\ suite\ ([^ ]+)\ exit=[0-9]+$ ]] || continue
			echo "${BASH_REMATCH[1]} $((SECONDS - last))"
			last=$SECONDS
		done
}
