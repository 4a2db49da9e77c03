#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run an emulator under a time limit, and stop it early when asked (Ctrl-C
# on run.sh). timeout(1) puts itself and the emulator in a process group of
# their own, out of reach of the terminal's signals, so run.sh stops a run
# through the timeout process, whose pid sits in HOSTDIR/timeout.pid while
# the emulator runs. Sourced by selftests/runner/run.sh.

# run_timed HOSTDIR SECONDS LOG COMMAND...: run COMMAND in HOSTDIR with
# stdin from /dev/null and its output in HOSTDIR/LOG; return timeout's
# status (124, or 137 if it had to kill, when time ran out).
run_timed() {
	local dir=$1 secs=$2 log=$3 status=0
	shift 3

	(cd "$dir" && exec timeout --kill-after=10 "$secs" "$@" </dev/null >"$log" 2>&1) &
	echo $! >"$dir/timeout.pid"
	wait $! || status=$?
	rm -f "$dir/timeout.pid"
	return "$status"
}

# timed_out STATUS: whether run_timed's STATUS says time ran out.
timed_out() {
	(($1 == 124 || $1 == 137))
}

# stop_timed HOSTDIR...: end the runs still going in these host directories;
# timeout passes the TERM on to the emulator.
stop_timed() {
	local dir

	for dir; do
		if [[ -f $dir/timeout.pid ]]; then
			kill -TERM "$(<"$dir/timeout.pid")" 2>/dev/null || true
		fi
	done
}
