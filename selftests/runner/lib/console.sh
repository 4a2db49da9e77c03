#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Read a host's serial log back as whole lines. Two things get in the way:
# the tty sends "\r\n", and the kernel writes its console messages straight
# to the UART, between any two characters of a line that /init or a test
# still has queued. That splits a line in two around a kernel message:
#
#   [mv:load] ok 1 glo[    6.23] minivisor: loading out-of-tree module...
#   bal.insmod
#
# console_lines moves such kernel messages (they start "[  seconds.micros] ")
# onto lines of their own and joins the two halves again. The split is only
# undone when the next line that is not kernel output is a bare
# continuation: a line from /init or a suite always starts "[mv", so a
# suite that printed a timestamp of its own is left as it was.
# Sourced by selftests/runner/run.sh.

# console_lines SERIAL: print the log's lines, mended as described above.
console_lines() {
	tr -d '\r' <"$1" | awk '
	function kernel_at(s) {
		return match(s, /\[ *[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]\] /) ? RSTART : 0
	}

	# Print a line, or hold it when a kernel message seems to cut it.
	function mend(line,    at) {
		at = kernel_at(line)
		if (at > 1 && substr(line, 1, at - 1) != "[mv-dmesg] ") {
			cut = line
			head = substr(line, 1, at - 1)
			kernel = substr(line, at) "\n"
			return
		}
		print line
	}

	cut != "" && kernel_at($0) == 1 {
		kernel = kernel $0 "\n"
		next
	}

	cut != "" {
		line = $0
		if (line ~ /^\[mv/) {
			print cut
			sub(/^[^\n]*\n/, "", kernel)
		} else {
			line = head line
		}
		printf "%s", kernel
		cut = ""
		mend(line)
		next
	}

	{ mend($0) }

	END {
		if (cut != "") {
			print cut
			sub(/^[^\n]*\n/, "", kernel)
			printf "%s", kernel
		}
	}'
}
