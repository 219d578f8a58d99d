#!/usr/bin/env bash
# Writes the committed seed corpus of the control-protocol fuzz target (tests/fuzz/corpus/).
# Run it again after changing it; replay.c's table lists what each file must be read as.
# Frames and greetings are built byte by byte as ctl/frame.h describes them.
set -euo pipefail
out=${1:-$(dirname "$0")/corpus}
mkdir -p "$out"

be16() { printf "\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
be32() { be16 $(($1 >> 16 & 65535)); be16 $(($1 & 65535)); }
# frame TYPE PAYLOAD [CLAIMED_LEN] [VERSION] [MAGIC]
frame() {
    local type=$1 payload=$2 len=${3:-${#2}} version=${4:-1} magic=${5:-TLAB}
    printf '%s' "$magic"; be16 "$version"; be16 "$type"; be32 "$len"; printf '%s' "$payload"
}
# greeting FLOW_ID [VERSION] [RESERVED]
greeting() {
    printf 'TLDA'; be16 "${2:-1}"; be16 "${3:-0}"
    printf '\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff'; be32 "$1"
}

opts='{"sndbuf":0,"rcvbuf":0,"window_clamp":0,"mss":0,"pacing_bps":0,"nodelay":false,"zerocopy":false,"cc":"reno"}'
spec() { # spec DIRECTION FLOWS GROUPS [WORKLOAD] [VERIFY] [MORE_FIELDS]
    printf '{"workload":"%s","direction":"%s","flows":%s,"threads":2,"duration_ns":10000000000,' "${4:-stream}" "$1" "$2"
    printf '"bytes":0,"max_duration_ns":300000000000,"omit_ns":0,"interval_ns":1000000000,'
    printf '"length":131072,"stall_timeout_ns":3000000000,"connect_timeout_ns":30000000000,'
    printf '"verify":%s,"opts":%s,"groups":%s,"fault_stop_reading_flow":-1,"fault_after_ns":0%s}' \
        "${5:-true}" "$opts" "$3" "${6:-}"
}
rr_fields=',"request_size":64,"response_size":1024,"rate":0,"requests_per_conn":1,"close":"client","linger0":false'
crr_fields=',"request_size":1,"response_size":1,"rate":50000,"requests_per_conn":10,"close":"server","linger0":true'
groups='[{"count":8,"opts":{"cc":"cubic","sndbuf":65536}},{"count":2,"opts":{"cc":"bbr","nodelay":true}}]'
seventeen="[$(for i in $(seq 17); do printf '%s{"count":1,"opts":{}}' "$([ "$i" -gt 1 ] && echo ,)"; done)]"
full="{\"spec\":$(spec bidir 10 "$groups")}"

frame 1 '{"tcplab":"0.1.0","workload":"stream"}' > "$out/frame-hello.bin"
frame 8 '{}' > "$out/frame-done-empty.bin"
frame 10 '{"error":"no such congestion control \"bbr2\""}' > "$out/frame-error.bin"
frame 3 "$full" > "$out/frame-test-spec.bin"
{ frame 5 '{"flows":10,"backlog":128}'; frame 6 '{"delay_ns":50000000}'; } > "$out/frame-two-in-one.bin"
frame 1 '{}' 2 1 TLAX > "$out/frame-bad-magic.bin"
frame 1 '{}' 2 2 > "$out/frame-version-2.bin"
frame 11 '{}' > "$out/frame-unknown-type.bin"
frame 9 '{}' $(((64 << 20) + 1)) > "$out/frame-len-over-limit.bin"
frame 4 '{"threads"' 40 > "$out/frame-truncated.bin"
frame 5 '[1,2]' > "$out/frame-array.bin"
frame 1 '{"tcplab":"a","tcplab":"b"}' > "$out/frame-dup-keys.bin"
{ printf 'TLAB'; be16 1; printf '\x00'; } > "$out/frame-short.bin" # 7 of the 12 header bytes

printf '%s' "$full" > "$out/spec-full.json"
spec forward 4 '[]' > "$out/spec-bare.json"
spec sideways 4 '[]' > "$out/spec-bad-direction.json"
printf '{"spec":%s}' "$(spec forward 10 "$groups" rr false "$rr_fields")" > "$out/spec-rr.json"
spec forward 4 '[]' crr false "$crr_fields" > "$out/spec-crr-bare.json"
spec forward 4 '[]' rr false > "$out/spec-rr-no-sizes.json"
printf '{"spec":%s}' "$(spec forward 100 "$seventeen")" > "$out/spec-17-groups.json"
printf '{"spec":%s}' "$(spec forward 9 "$groups")" > "$out/spec-groups-exceed-flows.json"
printf '{"spec":%s}' "$(spec forward 4 '[{"count":1,"opts":{"cc":"bb\u0000r"}}]')" > "$out/spec-nul-in-cc.json"

greeting 7 > "$out/hello-ok.bin"
greeting 7 1 1 > "$out/hello-reserved.bin"
greeting 7 0 > "$out/hello-version-0.bin"

printf 'cubic:8,bbr:2' > "$out/cc-mix.txt"
printf 'bbr' > "$out/cc-bare.txt"
printf 'cubic:2,bbr' > "$out/cc-no-count.txt"
printf 'bbr;rm' > "$out/cc-bad-name.txt"
printf ',' > "$out/cc-comma-only.txt" # was accepted as an empty mix (fixed in spec.c)
: > "$out/empty"
