#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Find kernel trouble in a host's serial log: oopses, BUGs, WARNINGs,
# lockdep and RCU reports, KASAN/UBSAN, panics, hung tasks, stack traces,
# and on the debug kernel kmemleak's suspects (/init prints them after the
# suites, "[mv-kmemleak] unreferenced object ...") or its failure.
# Kernel lines reach the log twice: on the console as they happen (loglevel 5
# shows warnings and worse) and in the dmesg dump /init prints at the end.
# Suite output ("[mv:SUITE] " lines) is the tests' own business and is left
# out. Sourced by selftests/runner/run.sh, after lib/console.sh.

kernel_trouble='Oops|BUG:|kernel BUG at|WARNING:|Kernel panic|general protection fault|'
kernel_trouble+='Unable to handle kernel|double fault|Call Trace:|blocked for more than|'
kernel_trouble+='soft lockup|hard LOCKUP|rcu.*detected stall|suspicious RCU usage|'
kernel_trouble+='possible circular locking|inconsistent lock state|'
kernel_trouble+='possible recursive locking|lock held when returning|bad unlock balance|'
kernel_trouble+='KASAN|UBSAN|'
kernel_trouble+='unreferenced object|kmemleak: .*(failed|disabled)'

# Printed at every Bochs boot: a remark on the emulated CPU model, not a fault.
known_harmless='RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable'

# The suite ept_races has the OOM killer kill a VMM on purpose: the stack
# trace in the OOM report its own process set off is expected (a few
# lines below "ept_races invoked oom-killer"); any other is trouble.
expected_oom='ept_races invoked oom-killer:'

# scan_kernel_log SERIAL: print the offending lines (the first 20, each
# once though the dmesg dump repeats it); succeed only if there are none.
scan_kernel_log() {
	local hits

	hits=$(console_lines "$1" | sed 's/^\[mv-dmesg\] //' |
		awk -v trouble="$kernel_trouble" -v harmless="$known_harmless" \
			-v oom="$expected_oom" '
			$0 ~ oom { oom_trace_by = NR + 6 }
			/^\[mv:[^]]*\] / || $0 ~ harmless || $0 !~ trouble { next }
			/Call Trace:/ && NR <= oom_trace_by { next }
			!seen[$0]++' || true)
	[[ -z $hits ]] && return 0
	head -n 20 <<<"$hits"
	return 1
}
