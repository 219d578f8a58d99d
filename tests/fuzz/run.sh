#!/usr/bin/env bash
# Fuzzes the control protocol's parsers (tests/fuzz/fuzz_ctl.c) with libFuzzer under ASan and
# UBSan for SECONDS (default 60), seeded from tests/fuzz/corpus/.
#
#   usage: tests/fuzz/run.sh [SECONDS]
#   env:   FUZZ_WORK=DIR  keep the build, the grown corpus and any crash in DIR (default: a
#                         temporary directory, removed afterwards unless a crash was found)
#          CC=clang-NN    the compiler (default: clang-14, else clang)
#
# Needs clang with libFuzzer: on Debian 12, clang-14 and libclang-rt-14-dev (the fuzzer and
# sanitizer runtimes). Run as root, the script installs them when missing; otherwise it says
# what to install and exits 77 (skip). Exit status: 0 no crash, 1 crash or build failure.
# Reproduce a crash with: DIR/fuzz_ctl DIR/crash-<hash>; add the input to tests/fuzz/corpus/
# once the bug is fixed so the replay test keeps it fixed.
set -euo pipefail

secs=${1:-60}
case $secs in
    '' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number, got \"$secs\"" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/../.." && pwd)

# A compiler that can link -fsanitize=fuzzer (the check links a trivial target).
can_fuzz() {
    command -v "$1" >/dev/null 2>&1 &&
        printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}\n' |
        "$1" -fsanitize=fuzzer,address,undefined -x c - -o /dev/null >/dev/null 2>&1
}
cc=${CC:-}
if [ -z "$cc" ] || ! can_fuzz "$cc"; then
    cc=
    for c in clang-14 clang; do
        if can_fuzz "$c"; then cc=$c; break; fi
    done
fi
if [ -z "$cc" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "run.sh: installing clang-14 and libclang-rt-14-dev (libFuzzer)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            clang-14 libclang-rt-14-dev >/dev/null
        can_fuzz clang-14 && cc=clang-14
    fi
    if [ -z "$cc" ]; then
        echo "run.sh: skip: no clang with -fsanitize=fuzzer (apt-get install clang-14 libclang-rt-14-dev)" >&2
        exit 77
    fi
fi

keep=${FUZZ_WORK:+1}
work=${FUZZ_WORK:-$(mktemp -d /tmp/tcplab-fuzz-ctl.XXXXXX)}
mkdir -p "$work/corpus"
cleanup() {
    # Keep everything when asked to, or when there is a crash to look at.
    [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT

# Only the parsers and what they call: frame/proto/spec need err and parse from util/, and
# net/sock.h only for the struct (no code from net/ is linked).
echo "run.sh: building with $cc in $work" >&2
"$cc" -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I "$root/include" -I "$root/src" -I "$root/tests/fuzz" \
    "$root/tests/fuzz/fuzz_ctl.c" "$root/src/ctl/frame.c" "$root/src/ctl/proto.c" \
    "$root/src/ctl/spec.c" "$root/src/util/err.c" "$root/src/util/parse.c" \
    $(pkg-config --cflags --libs jansson) -lm -o "$work/fuzz_ctl"

cp "$root"/tests/fuzz/corpus/* "$work/corpus/"
# Tokens libFuzzer splices into inputs: the magics, the protocol version, and the JSON keys
# and words the parsers look for.
cat > "$work/ctl.dict" <<'EOF'
"TLAB"
"TLDA"
"\x00\x01"
"\x00\x03"
"\x00\x0a"
"{\"spec\":{"
"\"workload\":\"stream\""
"\"workload\":\"rr\""
"\"workload\":\"crr\""
"\"direction\":\"bidir\""
"\"direction\":\"reverse\""
"\"flows\":"
"\"threads\":"
"\"length\":"
"\"duration_ns\":"
"\"bytes\":"
"\"max_duration_ns\":"
"\"omit_ns\":"
"\"interval_ns\":"
"\"stall_timeout_ns\":"
"\"connect_timeout_ns\":"
"\"verify\":true"
"\"opts\":{}"
"\"groups\":[]"
"{\"count\":1,\"opts\":{}}"
"\"cc\":\"bbr\""
"\"mss\":"
"\"sndbuf\":"
"\"pacing_bps\":"
"\"fault_stop_reading_flow\":"
"\"fault_after_ns\":"
"\"request_size\":"
"\"response_size\":"
"\"rate\":"
"\"requests_per_conn\":"
"\"close\":\"server\""
"\"linger0\":false"
"\"error\":"
"\\u0000"
"cubic:"
",bbr:"
"18446744073709551615"
"9223372036854775807"
"-1"
EOF

echo "run.sh: fuzzing for ${secs}s" >&2
set +e
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$work/fuzz_ctl" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -dict="$work/ctl.dict" -artifact_prefix="$work/" \
    "$work/corpus" >"$work/log" 2>&1
rc=$?
set -e

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
cov=$(grep -E '^#[0-9]+' "$work/log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*ft: \([0-9]*\).*corp: \([0-9/a-zA-Z]*\).*/cov \1, features \2, corpus \3/p')
echo "run.sh: ${execs:-?} executions, ${rate:-?}/s on average (limit ${secs}s); ${cov:-coverage unknown}"
if [ "$rc" -ne 0 ]; then
    keep=1
    tail -n 60 "$work/log" >&2
    echo "run.sh: CRASH (libFuzzer exit $rc); artifacts and log kept in $work:" >&2
    ls "$work" | grep -E '^(crash|leak|timeout|oom)-' >&2 || true
    exit 1
fi
echo "run.sh: no crash"
