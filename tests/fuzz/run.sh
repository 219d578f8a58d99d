#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (built by meson -Dfuzz=true, see `make fuzz`) one
# after the other, each for SECONDS (default $FUZZ_SECONDS, else 60), seeded from its
# committed corpus and dictionary, and prints each one's final statistics.
#
#   usage: tests/fuzz/run.sh [-b FUZZ_BUILD] [-j JOBS] [SECONDS [TARGET...]]
#     -b  the fuzz build directory (default build-fuzz; `make fuzz` sets it up)
#     -j  run this many targets at once (default 1; the machine's CPUs are shared)
#     TARGET  ctl, farm, mesh, merge, testbed_ctl, session (default: all)
#   env: FUZZ_WORK=DIR   keep the grown corpora, logs and crashes in DIR (default: a
#                        temporary directory, removed afterwards unless a target crashed)
#        FUZZ_ARGS=...   more libFuzzer options (e.g. -fork=1 -ignore_crashes=1)
# The committed corpus is only read: grown inputs stay in the work directory. Exit status
# 0 when no target crashed, 1 otherwise (reproduce with: FUZZ_BUILD/tests/fuzz/fuzz_NAME
# CRASH_FILE; once fixed, add the file to the target's corpus so the replay keeps it fixed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=build-fuzz jobs=1
while getopts b:j: o; do
    case $o in
        b) build=$OPTARG ;;
        j) jobs=$OPTARG ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
secs=${1:-${FUZZ_SECONDS:-60}}
[ $# -gt 0 ] && shift
case $secs$jobs in
    '' | *[!0-9]*) echo "run.sh: SECONDS and -j must be whole numbers, got \"$secs\" and \"$jobs\"" >&2; exit 2 ;;
esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ctl farm mesh merge testbed_ctl session)
for t in "${targets[@]}"; do
    if [ ! -x "$build/tests/fuzz/fuzz_$t" ]; then
        echo "run.sh: $build/tests/fuzz/fuzz_$t is not built (make fuzz, or: CC=clang meson setup $build -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false && ninja -C $build)" >&2
        exit 2
    fi
done

keep=${FUZZ_WORK:+1}
work=${FUZZ_WORK:-$(mktemp -d /tmp/tcplab-fuzz.XXXXXX)}
mkdir -p "$work"
crashed=0
cleanup() { [ -n "$keep" ] || [ "$crashed" -ne 0 ] || rm -rf "$work"; }
trap cleanup EXIT

corpus_of() { [ "$1" = ctl ] && echo "$here/corpus" || echo "$here/corpus-$1"; }

# fuzz TARGET: one target's run; its log is $work/TARGET.log.
fuzz() {
    local t=$1 dict=()
    mkdir -p "$work/$t/corpus"
    cp "$(corpus_of "$t")"/* "$work/$t/corpus/"
    [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of options
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=65536 -timeout=20 \
        -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" -artifact_prefix="$work/$t/" \
        ${FUZZ_ARGS:-} "$work/$t/corpus" >"$work/$t.log" 2>&1
}

# summary TARGET RC: one line from the log's final statistics.
summary() {
    local t=$1 rc=$2 log=$work/$1.log execs rate cov
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
    printf '%-12s %s executions, %s/s, %s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-coverage unknown}"
    if [ "$rc" -ne 0 ] || ls "$work/$t" | grep -qE '^(crash|leak|timeout|oom)-'; then
        printf ', FAILED (exit %s): %s\n' "$rc" "$(ls "$work/$t" | grep -E '^(crash|leak|timeout|oom)-' | tr '\n' ' ')"
        return 1
    fi
    printf ', no crash\n'
}

echo "run.sh: ${#targets[@]} targets, ${secs}s each, $jobs at once, in $work" >&2
i=0
while [ $i -lt ${#targets[@]} ]; do
    pids=() batch=()
    for ((k = 0; k < jobs && i < ${#targets[@]}; k++, i++)); do
        fuzz "${targets[i]}" &
        pids+=($!) batch+=("${targets[i]}")
    done
    for k in "${!pids[@]}"; do
        rc=0
        wait "${pids[k]}" || rc=$?
        if ! summary "${batch[k]}" "$rc"; then
            crashed=1
            tail -n 40 "$work/${batch[k]}.log" | sed 's/^/    /' >&2
        fi
    done
done
if [ "$crashed" -ne 0 ]; then
    echo "run.sh: a target failed; logs, corpora and crashes kept in $work" >&2
    exit 1
fi
echo "run.sh: no crash" >&2
