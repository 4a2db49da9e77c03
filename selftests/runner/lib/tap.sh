#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Sum up the kselftest TAP each suite printed into a host's serial log.
# /init prefixes a suite's lines with "[mv:SUITE] " and ends the suite with
# "[mv] suite SUITE exit=N". Only top-level results count: "ok N name"
# passes (or skips, with "# SKIP"), "not ok N name" fails; indented lines and
# "#" comments are ignored. A suite also fails once for results its plan
# ("1..N") promised but never printed, for a non-zero or missing exit status
# with no failure reported, and for printing nothing at all. Exit status 4
# is kselftest's KSFT_SKIP: a suite that reports nothing else and exits so
# counts as one skipped test.
# Sourced by selftests/runner/run.sh, after lib/console.sh.

# tap_summary SERIAL SUITE...: print "counts PASSED FAILED SKIPPED", then one
# "failed SUITE: what" line per failure.
tap_summary() {
	local serial=$1
	shift
	console_lines "$serial" | awk -v suites="$*" '
	BEGIN { n = split(suites, order, " ") }

	/^\[mv:[^]]*\] / {
		tag = index($0, "] ")
		suite = substr($0, 5, tag - 5)
		line = substr($0, tag + 2)
		said[suite] = 1
		if (line ~ /^1\.\.[0-9]+/)
			plan[suite] = substr(line, 4) + 0
		else if (line ~ /^(not )?ok [0-9]+/)
			result(suite, line)
		next
	}

	/^\[mv\] suite [^ ]+ exit=[0-9]+$/ {
		split($0, word, /[ =]/)
		status[word[3]] = word[5]
	}

	function result(suite, line,    name) {
		reported[suite]++
		name = line
		sub(/^(not )?ok [0-9]+ *(- )?/, "", name)
		if (line ~ /^ok/ && name ~ /#[ \t]*[Ss][Kk][Ii][Pp]/) {
			skipped++
			return
		}
		sub(/ *#.*/, "", name)
		if (line ~ /^not /)
			fail(suite, 1, name == "" ? "(unnamed test)" : name)
		else
			passed++
	}

	# fail SUITE COUNT WHAT: count COUNT failures, described once.
	function fail(suite, count, what) {
		failed += count
		failed_in[suite] += count
		failures = failures "failed " suite ": " what "\n"
	}

	END {
		for (i = 1; i <= n; i++) {
			s = order[i]
			if (!(s in said)) {
				fail(s, 1, "no output")
				continue
			}
			missing = plan[s] - reported[s]
			if (missing > 0)
				fail(s, missing, missing " of " plan[s] " planned results missing")
			if (failed_in[s])
				continue
			if (!(s in status))
				fail(s, 1, "did not finish")
			else if (status[s] == 4)
				skipped += !reported[s]
			else if (status[s] != 0)
				fail(s, 1, "exited with status " status[s])
		}
		printf "counts %d %d %d\n%s", passed, failed, skipped, failures
	}'
}
