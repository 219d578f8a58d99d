#!/usr/bin/env bash
# Runs every test of the normal build (unit + integration); then, in the sanitizer build, the
# unit tests and the agent's integration tests (suite 'sanitize': agent_*, stream_*, rr_*,
# crr_*, tests/meson.build); then, in the fuzz build, every fuzz target over its corpus.
# Prints one closing line: "N passed, N failed[, N skipped]".
#
#   usage: scripts/run-tests.sh BUILD [ASAN_BUILD [FUZZ_BUILD]]
#   env:   TL_TEST_ARGS  extra arguments for the normal build's meson test (e.g. test names)
set -uo pipefail
build=${1:-build}
asan=${2:-}
fuzz=${3:-}

passed=0 failed=0 skipped=0 rc=0
count() { # $1 = meson-logs/testlog.json; adds its results to the totals
    local p f s
    [ -f "$1" ] || return 0
    p=$(jq -s '[.[] | select(.result == "OK" or .result == "EXPECTEDFAIL")] | length' "$1")
    f=$(jq -s '[.[] | select(.result == "FAIL" or .result == "ERROR" or .result == "TIMEOUT" or .result == "UNEXPECTEDPASS")] | length' "$1")
    s=$(jq -s '[.[] | select(.result == "SKIP")] | length' "$1")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    jq -r 'select(.result != "OK" and .result != "SKIP") | "  \(.result): \(.name)"' "$1"
}
# run LABEL BUILD_DIR MESON_TEST_ARGS...: one meson test run, counted (testlog.json is
# rewritten by each run, so it is read right after).
run() {
    local label=$1 dir=$2 t0 r
    shift 2
    [ -n "$label" ] && echo "== $label =="
    t0=$(date +%s)
    meson test -C "$dir" --print-errorlogs --num-processes 2 "$@"
    r=$?
    count "$dir/meson-logs/testlog.json"
    [ -n "$label" ] && echo "== $label: $(($(date +%s) - t0)) s =="
    [ $r -ne 0 ] && rc=$r
}

run "" "$build" ${TL_TEST_ARGS:-}

if [ -n "$asan" ]; then
    # Sanitizer reports go to files as well as failing the process: an agent that dies of a
    # use-after-free in the background, after its test has passed, still fails the run.
    reports=$(mktemp -d /tmp/tcplab-asan-reports.XXXXXX)
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$reports/asan \
        run "unit tests again under ASan+UBSan" "$asan" --suite unit
    # No leak check here: processes are killed on purpose, and LeakSanitizer cannot run
    # under strace (rr_solo) -- the unit tests above check for leaks.
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:log_path=$reports/asan \
        run "agent, stream, rr and crr integration tests under ASan+UBSan" "$asan" --suite sanitize
    for f in "$reports"/*; do
        [ -s "$f" ] || continue
        failed=$((failed + 1)); rc=1
        echo "  SANITIZER REPORT: $(basename "$f") (a process of the run above):"
        head -n 40 "$f" | sed 's/^/    /'
    done
    rm -rf "$reports"
    unset UBSAN_OPTIONS
fi

if [ -n "$fuzz" ]; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        run "fuzz targets (libFuzzer) over their corpora" "$fuzz" --suite fuzz
fi

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
