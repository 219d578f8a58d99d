#!/usr/bin/env bash
# Lists the C functions in src/ (or the files or folders given) longer than a limit (default
# 120 lines, the project's rule; override with -n N): "LINES FILE:LINE NAME", longest first.
# A function is counted from its name's line to its closing brace, in the project's style
# (the opening and the closing brace of a function alone at the start of a line). Functions
# that call getopt are marked "(getopt)": a flat option switch is the rule's one exception.
set -euo pipefail
limit=120
if [ "${1:-}" = "-n" ]; then limit=$2; shift 2; fi
[ $# -gt 0 ] || set -- "$(dirname "$0")/../src"
find "$@" -name '*.c' -print0 | sort -z | xargs -0 awk -v limit="$limit" '
	FNR == 1 { name = ""; start = 0; inside = 0; getopt = 0 }
	!inside && /^[A-Za-z_].*\(/ && !/;[[:space:]]*$/ {
		# a candidate signature: remember the identifier before the first "("
		sig = $0; sub(/\(.*/, "", sig); n = split(sig, w, /[^A-Za-z0-9_]+/)
		name = w[n] != "" ? w[n] : w[n - 1]; start = FNR
	}
	!inside && /^\{/ && start { inside = 1; getopt = 0; next }
	inside && /getopt/ { getopt = 1 }
	inside && /^\}/ {
		len = FNR - start + 1
		if (len > limit)
			printf "%d %s:%d %s%s\n", len, FILENAME, start, name, getopt ? " (getopt)" : ""
		inside = 0; start = 0
	}
' | sort -rn
