#!/usr/bin/env bash
# Runs every test of the normal build (unit + integration), then the unit tests of the
# sanitizer build, and prints one closing line: "N passed, N failed[, N skipped]".
set -uo pipefail
build=${1:-build}
asan=${2:-}

passed=0 failed=0 skipped=0
count() { # $1 = meson-logs/testlog.json; adds its results to the totals
    local p f s
    p=$(jq -s '[.[] | select(.result == "OK" or .result == "EXPECTEDFAIL")] | length' "$1")
    f=$(jq -s '[.[] | select(.result == "FAIL" or .result == "ERROR" or .result == "TIMEOUT" or .result == "UNEXPECTEDPASS")] | length' "$1")
    s=$(jq -s '[.[] | select(.result == "SKIP")] | length' "$1")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    jq -r 'select(.result != "OK" and .result != "SKIP") | "  \(.result): \(.name)"' "$1"
}

meson test -C "$build" --print-errorlogs --num-processes 2 ${TL_TEST_ARGS:-}
rc=$?
[ -f "$build/meson-logs/testlog.json" ] && count "$build/meson-logs/testlog.json"

if [ -n "$asan" ]; then
    echo "== unit tests again under ASan+UBSan =="
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        meson test -C "$asan" --suite unit --print-errorlogs --num-processes 2
    rc2=$?
    [ -f "$asan/meson-logs/testlog.json" ] && count "$asan/meson-logs/testlog.json"
    [ $rc2 -ne 0 ] && rc=$rc2
fi

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
