#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn bench_full's result lines (selftests/bench_full.c) into the reports
# of `make bench`: a text table, JSON and a bar chart of the ratios.
#
#   result OPERATION DEVICE MEDIAN MIN MAX SAMPLES UNIT DESCRIPTION...
#   huge OPERATION DEVICE HUGE_KIB TOUCHED_KIB
#
# Operations keep the order of their first line. The ratio is minivisor's
# median over KVM's; the target, where the project set one, is the ratio
# minivisor aims to stay at or below. Sourced by selftests/runner/bench.sh.

# The project's targets for minivisor/KVM, by operation.
bench_targets='cpuid 0.5 vmcall 0.5 out 0.8 mmio_write 0.8 mmio_read 0.8
touch_4k 1.0 touch_2m 1.0 run_immediate 0.8 vm_life 0.5'

# bench_rows RESULTS: one line per operation, tab-separated: name, unit,
# description, then median, min, max and samples for KVM, the same for
# minivisor, the ratio and the target ("-" where missing).
bench_rows() {
	awk -v targets="$bench_targets" '
	BEGIN {
		n = split(targets, t, /[ \n]+/)
		for (i = 1; i + 1 <= n; i += 2)
			target[t[i]] = t[i + 1]
		OFS = "\t"
	}
	$1 == "result" && NF >= 9 {
		op = $2
		if (!(op in seen)) {
			seen[op] = 1
			order[++ops] = op
			unit[op] = $8
			desc[op] = $9
			for (i = 10; i <= NF; i++)
				desc[op] = desc[op] " " $i
		}
		stats[op, $3] = $4 OFS $5 OFS $6 OFS $7
		median[op, $3] = $4
	}
	END {
		for (i = 1; i <= ops; i++) {
			op = order[i]
			kvm = ((op, "kvm") in stats) ? stats[op, "kvm"] : "-\t-\t-\t-"
			mv = ((op, "minivisor") in stats) ? stats[op, "minivisor"] : "-\t-\t-\t-"
			ratio = "-"
			if (((op, "kvm") in median) && ((op, "minivisor") in median) &&
			    median[op, "kvm"] > 0)
				ratio = sprintf("%.3f", median[op, "minivisor"] / median[op, "kvm"])
			print op, unit[op], desc[op], kvm, mv, ratio, \
				(op in target) ? target[op] : "-"
		}
	}' "$1"
}

# bench_table RESULTS: the table for people.
bench_table() {
	echo "Guest and host path lengths in Bochs (ticks: TSC ticks = instructions,"
	echo "guest and host together), median of SAMPLES, [min..max]; memory in bytes."
	echo "ratio = minivisor / KVM; target: the ratio minivisor aims to stay under."
	echo
	bench_rows "$1" | awk -F '\t' '
	function cell(median, min, max) {
		return median == "-" ? "-" : sprintf("%s [%s..%s]", median, min, max)
	}
	BEGIN {
		printf "%-14s %-5s %-32s %-32s %-6s %-11s %-7s %s\n", "operation",
			"unit", "KVM", "minivisor", "ratio", "target", "samples", "what"
	}
	{
		verdict = ""
		if ($12 != "-" && $13 != "-")
			verdict = ($12 + 0 <= $13 + 0) ? " met" : " missed"
		printf "%-14s %-5s %-32s %-32s %-6s %-11s %-7s %s\n", $1, $2,
			cell($4, $5, $6), cell($8, $9, $10), $12, $13 verdict, $7, $3
	}'
	awk '$1 == "huge" {
		printf "\n%s on %s: %s of %s KiB touched were mapped with 2 MiB pages.", $2, $3, $4, $5
	} END { print "" }' "$1"
}

# bench_json RESULTS: the same as JSON.
bench_json() {
	{
		bench_rows "$1"
		awk '$1 == "huge" { print "huge\t" $2 "\t" $3 "\t" $4 "\t" $5 }' "$1"
	} | awk -F '\t' '
	function num(x) { return x == "-" ? "null" : x }
	function device(a, b, c, d) {
		if (a == "-")
			return "null"
		return sprintf("{\"median\": %s, \"min\": %s, \"max\": %s, \"samples\": %s}",
			a, b, c, d)
	}
	$1 == "huge" { huge[$2] = huge[$2] sprintf("%s\"%s\": {\"huge_kib\": %s, \"touched_kib\": %s}",
			huge[$2] == "" ? "" : ", ", $3, $4, $5); next }
	{ row[++n] = $0 }
	END {
		print "{"
		print "  \"clock\": \"guest TSC in Bochs: one tick per instruction, guest and host\","
		print "  \"ratio\": \"minivisor median / KVM median\","
		print "  \"operations\": ["
		for (i = 1; i <= n; i++) {
			split(row[i], f, "\t")
			printf "    {\"name\": \"%s\", \"description\": \"%s\", \"unit\": \"%s\",\n",
				f[1], f[3], f[2]
			printf "     \"kvm\": %s,\n", device(f[4], f[5], f[6], f[7])
			printf "     \"minivisor\": %s,\n", device(f[8], f[9], f[10], f[11])
			printf "     \"ratio\": %s, \"target\": %s", num(f[12]), num(f[13])
			if (f[1] in huge)
				printf ",\n     \"huge_pages\": {%s}", huge[f[1]]
			printf "}%s\n", i < n ? "," : ""
		}
		print "  ]"
		print "}"
	}'
}

# bench_plot RESULTS PNG: a bar chart of the ratios, with the targets.
bench_plot() {
	local data
	data=$(mktemp)
	bench_rows "$1" | awk -F '\t' '$12 != "-" {
		print $1, $12, ($13 == "-" ? "NaN" : $13)
	}' >"$data"
	gnuplot <<-EOF
		set terminal png size 900,500
		set output '$2'
		set title 'minivisor / KVM, median path length in Bochs (lower is better)'
		set ylabel 'ratio'
		set termoption noenhanced
		set yrange [0:*]
		set offsets 0, 0, 0.2, 0
		set style fill solid 0.6
		set boxwidth 0.6
		set xtics rotate by -30
		set grid ytics
		set key below horizontal
		plot '$data' using 0:2:xtic(1) with boxes title 'minivisor / KVM', \
			'' using 0:3 with points pt 7 ps 1.5 title 'target', \
			1 with lines dt 2 lc rgb 'black' title 'KVM'
	EOF
	rm -f "$data"
}
