#!/usr/bin/env bash
# Writes the committed seed corpora of the fuzz targets (tests/fuzz/meson.build):
#   corpus/              fuzz_ctl: frames, specs, greetings, --cc mixes (replay.c's table lists
#                        what each file must be read as)
#   corpus-farm/         fuzz_farm: farm messages (farm/proto.h), byte by byte
#   corpus-mesh/         fuzz_mesh: data HELLOs, message headers, control streams (mesh/wire.h)
#   corpus-testbed_ctl/  fuzz_testbed_ctl: control socket request lines (testbed/ctl.h)
#   corpus-session/      fuzz_session: what real clients sent an agent, cut before the test runs
#   corpus-merge/        fuzz_merge: what a real agent sent its clients, as one JSON document
# The session and merge seeds are recorded from real tests on loopback: TCPLAB (default
# build/tcplab) serves an agent, and capture.py relays and records its control connections.
# Run it again after changing it, and commit what it wrote.
#
#   usage: tests/fuzz/make-corpus.sh [TCPLAB]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tcplab=${1:-$here/../../build/tcplab}
out=$here/corpus
rm -rf "$here"/corpus "$here"/corpus-*
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

# router requests (ctl/router_req.h), as frames and as bare bodies
frame 12 '{"router":"r1","op":"status","flows":32}' > "$out/frame-router-status.bin"
frame 12 '{"router":"r1","op":"set","options":{"rate":"50mbit","aqm":"codel:target=5ms"}}' > "$out/frame-router-set.bin"
printf '{"router":"r1","op":"series","from_ago_ns":3000000000,"to_ago_ns":100000000}' > "$out/router-series.json"
printf '{"router":"r1","op":"series","from_ago_ns":1,"to_ago_ns":2}' > "$out/router-series-backwards.json"
printf '{"router":"r1","op":"set","options":{"senders":"1","nosuch":"x"}}' > "$out/router-set-unknown-option.json"
printf '{"router":"r1","op":"set","options":{"rate":50}}' > "$out/router-set-not-string.json"
printf '{"router":"../etc","op":"status"}' > "$out/router-bad-name.json"
printf '{"router":"r1","op":"status","flows":100001}' > "$out/router-flows-too-many.json"
printf '{"router":"r1","op":"restart"}' > "$out/router-unknown-op.json"
printf '{"router":"r1","op":"series","from_ago_ns":600000000001,"to_ago_ns":0}' > "$out/router-window-too-long.json"
frame 12 '{"op":"list"}' > "$out/frame-router-list.bin"
printf '{"op":"list"}' > "$out/router-list.json"
printf '{"router":"r1","op":"list"}' > "$out/router-list-with-name.json"

# ---- farm (farm/proto.h): u32 length (8 + body), u8 version, u8 type, u16 flags, u32 count
be8() { printf "\\x$(printf %02x $(($1 & 255)))"; }
be64() { be32 $(($1 >> 32 & 4294967295)); be32 $(($1 & 4294967295)); }
farm_hdr() { # TYPE COUNT BODY_LEN [VERSION] [FLAGS]
    be32 $((8 + $3)); be8 "${4:-1}"; be8 "$1"; be16 "${5:-0}"; be32 "$2"
}
farm_request() { # WORKER WANT [JOB PRIMES]...
    local worker=$1 want=$2 n=$(((${#} - 2) / 2))
    shift 2
    farm_hdr 1 "$n" $((8 + 12 * n)); be32 "$worker"; be32 "$want"
    while [ $# -ge 2 ]; do be32 "$1"; be64 "$2"; shift 2; done
}
d=$here/corpus-farm
mkdir -p "$d"
farm_request 1 4 > "$d/request-first.bin"
farm_request 1 2 0 168 1 135 > "$d/request-two-results.bin"
farm_request 7 0 5 120 > "$d/request-results-want-none.bin"
{ farm_request 1 1; farm_request 1 1 0 168; farm_request 1 100000; } > "$d/request-three.bin"
farm_request 1 100001 > "$d/request-want-over-limit.bin"
farm_request 1 1 99999 5 > "$d/request-unknown-job.bin"
farm_request 1 1 0 168 0 168 > "$d/request-duplicate.bin"
farm_request 1 1 0 999 > "$d/request-mismatch.bin"
{ farm_hdr 1 100001 8; be32 1; be32 1; } > "$d/request-count-over-limit.bin"
{ farm_hdr 1 0 8 2; be32 1; be32 1; } > "$d/request-version-2.bin"
{ farm_hdr 1 0 8 1 1; be32 1; be32 1; } > "$d/request-flags.bin"
{ farm_hdr 1 1 8; be32 1; be32 1; } > "$d/request-length-short.bin"
{ farm_hdr 1 0 8; be32 1; } > "$d/request-truncated.bin"
{ farm_hdr 2 1 28; be32 1; be32 0; be32 3; be64 1; be64 1000; } > "$d/jobs-one.bin"
{ farm_hdr 2 0 8; be32 1; be32 50; } > "$d/jobs-retry.bin"
{ farm_hdr 2 1 28; be32 1; be32 0; be32 3; be64 10; be64 9; } > "$d/jobs-lo-above-hi.bin"
{ farm_hdr 3 0 20; be32 1; be64 78498; be64 78498; } > "$d/done-pass.bin"
{ farm_hdr 4 11 11; printf 'bad\x01\x1b[2Jjob'; } > "$d/error-control-chars.bin"
{ farm_hdr 4 0 0; } > "$d/error-empty.bin"
printf 'GET / HTTP/1.0\r\n\r\n' > "$d/not-farm.txt"

# ---- testbed control socket (testbed/ctl.h): one request frame's body (a JSON object)
d=$here/corpus-testbed_ctl
mkdir -p "$d"
line() { printf '%s\n' "$2" > "$d/$1.txt"; }
line ping '{"v":1,"cmd":"ping"}'
line status '{"v":1,"cmd":"status","flows":32}'
line status-negative '{"v":1,"cmd":"status","flows":-5}'
line version-2 '{"v":2,"cmd":"ping"}'
line no-cmd '{"v":1}'
line unknown-cmd '{"v":1,"cmd":"reboot"}'
line not-json 'ping'
line set-defaults '{"v":1,"cmd":"set","options":{}}'
line set-basic '{"v":1,"cmd":"set","options":{"rate":"100mbit","rtt":"40ms","buffer":"1bdp","aqm":"taildrop"}}'
line set-two-senders '{"v":1,"cmd":"set","options":{"senders":"2","rtt":"10ms,100ms","rate":"1gbit","buffer":"100p"}}'
line set-codel '{"v":1,"cmd":"set","options":{"aqm":"codel:target=5ms,interval=100ms,ecn","loss":"1%","jitter":"2ms","reorder":"on"}}'
line set-red '{"v":1,"cmd":"set","options":{"aqm":"red:min=10k,max=30k,p=0.1,wq=0.002,avpkt=1000,gentle","buffer":"64k"}}'
line set-pie '{"v":1,"cmd":"set","options":{"aqm":"pie:target=15ms,tupdate=15ms,burst=150ms,alpha=0.125,beta=1.25,derand"}}'
line set-fq-codel '{"v":1,"cmd":"set","options":{"aqm":"fq_codel:flows=1024,quantum=1514,drop_batch=64,memory=32M,mtu=1500"}}'
line set-ge-loss '{"v":1,"cmd":"set","options":{"loss":"ge:p=1%,r=30%,bad=50%,good=0.1%","rev-loss":"0.5%"}}'
line set-reverse '{"v":1,"cmd":"set","options":{"rev-rate":"10mbit","rev-buffer":"2bdp","rev-aqm":"pie","rev-jitter":"1ms"}}'
line set-misc '{"v":1,"cmd":"set","options":{"spin":"50us","prio":"rt","cpu-latency":"off","standby":"off","seed":"7","pool":"4096","isolate":"off"}}'
line set-rate-zero '{"v":1,"cmd":"set","options":{"rate":"0","buffer":"1bdp"}}'
line set-bad-value '{"v":1,"cmd":"set","options":{"rate":"fast"}}'
line set-unknown-key '{"v":1,"cmd":"set","options":{"colour":"blue"}}'
line set-number-value '{"v":1,"cmd":"set","options":{"rate":100}}'

# ---- session and merge: record real tests
if [ ! -x "$tcplab" ]; then
    echo "make-corpus.sh: $tcplab is not there (make build first, or pass the binary)" >&2
    exit 1
fi
work=$(mktemp -d /tmp/tcplab-corpus.XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
wait_file() { # FILE: up to 10 s
    local i
    for i in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
    echo "make-corpus.sh: $1 did not appear" >&2
    exit 1
}
"$tcplab" serve --bind 127.0.0.1 --port 0 --port-file "$work/agent.port" >"$work/agent.log" 2>&1 &
pids+=($!)
wait_file "$work/agent.port"
python3 "$here/capture.py" "$(cat "$work/agent.port")" "$work/cap" "$work/relay.port" &
pids+=($!)
wait_file "$work/relay.port"
relay=$(cat "$work/relay.port")
# Each test on its own control connection; capture.py numbers connections in order.
tests=(stream-forward "stream -P 1" stream-reverse "stream -P 1 -R" stream-bidir "stream -P 1 --bidir"
       rr "rr -P 2 --request 64 --response 1024" crr "crr -P 1")
for ((i = 0; i < ${#tests[@]}; i += 2)); do
    # shellcheck disable=SC2086 # the options are words
    "$tcplab" ${tests[i + 1]} 127.0.0.1 -p "$relay" -t 1 -i 0.5 --json >"$work/${tests[i]}.json"
    mkdir -p "$work/t-${tests[i]}"
    # The recording of this test: the newest connection number among the frames.
    sleep 0.2
    conn=$(ls "$work/cap" | sed 's/-.*//' | sort -n | tail -1)
    mv "$work/cap/$conn"-* "$work/t-${tests[i]}/"
done

payload() { tail -c +13 "$1"; } # a frame without its 12-byte header
d=$here/corpus-session
mkdir -p "$d"
for ((i = 0; i < ${#tests[@]}; i += 2)); do
    t=${tests[i]} dir=$work/t-${tests[i]}
    cat "$dir"/*-c2a-hello.bin > "$d/$t-hello.bin"
    cat "$dir"/*-c2a-hello.bin "$dir"/*-c2a-test.bin > "$d/$t-hello-test.bin"
    # With START the test runs; a client that then goes away once made the agent free a
    # message twice (ctl/session.c run_test, fixed): these keep it fixed.
    cat "$dir"/*-c2a-hello.bin "$dir"/*-c2a-test.bin "$dir"/*-c2a-start.bin > "$d/uaf-$t-until-start.bin"
    cat "$dir"/*-c2a-*.bin > "$d/uaf-$t-whole.bin"
done
dir=$work/t-stream-forward
hello=$(ls "$dir"/*-c2a-hello.bin) test=$(ls "$dir"/*-c2a-test.bin)
{ cat "$test"; cat "$hello"; } > "$d/test-before-hello.bin"
{ cat "$hello"; frame 10 '{"error":"client gave up\n[fake] agent: all good"}'; } > "$d/hello-then-error.bin"
{ cat "$hello"; frame 3 "$(payload "$test" | sed 's/"flows":1,/"flows":3,/')"; } > "$d/three-flows-two-come.bin"
{ cat "$hello"; frame 3 "$(payload "$test" | sed 's/"duration_ns":[0-9]*/"duration_ns":30000000000/')"; } > "$d/longer-than-allowed.bin"
{ cat "$hello"; frame 3 "$(payload "$test" | sed 's/"flows":1,/"flows":100,/')"; } > "$d/more-flows-than-allowed.bin"
{ cat "$hello"; frame 6 '{"delay_ns":0}'; } > "$d/start-instead-of-test.bin"
{ cat "$hello"; frame 9 '{"a":[0,0,0,0]}'; } > "$d/results-from-client.bin"
# router requests (ctl/router_req.h): the fuzzer's agent has no router (TCPLAB_ROUTER_DIR)
{ cat "$hello"; frame 12 '{"router":"r1","op":"status","flows":32}'; } > "$d/router-status.bin"
{ cat "$hello"; frame 12 '{"router":"r1","op":"set","options":{"rate":"50mbit"}}'; } > "$d/router-set.bin"
{ cat "$hello"; frame 12 '{"router":"r1","op":"series","from_ago_ns":2000000000,"to_ago_ns":0}'; cat "$test"; } > "$d/router-series-then-test.bin"
{ cat "$hello"; frame 12 '{"router":"r1","op":"status","flows":-1}'; } > "$d/router-bad-flows.bin"
{ cat "$hello"; frame 12 '{"op":"list"}'; } > "$d/router-list.bin"

d=$here/corpus-merge
mkdir -p "$d"
# selector byte (fuzz_merge.c): bits 0-1 workload, 2-3 direction, 4-5 flows - 1, 6-7 limit
merge_doc() { # SELECTOR TEST [EXTRA_MEMBERS]
    local dir=$work/t-$2 iv res
    iv=$(ls "$dir"/*-a2c-interval.bin | head -1)
    res=$(ls "$dir"/*-a2c-results.bin)
    be8 "$1"
    printf '{"client_iv":%s,"agent_iv":%s,"client_res":%s,"agent_res":%s%s}' \
        "$(payload "$iv")" "$(payload "$iv")" "$(payload "$res")" "$(payload "$res")" "${3:-}"
}
merge_doc 0x00 stream-forward > "$d/stream-forward.bin"
merge_doc 0x04 stream-reverse > "$d/stream-reverse.bin"
merge_doc 0x08 stream-bidir > "$d/stream-bidir.bin"
merge_doc 0x48 stream-bidir > "$d/stream-bidir-sums-only.bin"
merge_doc 0x11 rr > "$d/rr.bin"
merge_doc 0x02 crr > "$d/crr.bin"
hist=$(jq -c '.end.latency_histogram' "$work/rr.json")
merge_doc 0x11 rr ",\"hist\":$hist" > "$d/rr-with-histogram.bin"
{ be8 0x11; printf '{"hist":%s}' "$hist"; } > "$d/histogram.bin"
{ be8 0x11; printf '{"hist":%s}' "$(jq -c '.sub_bucket_bits = 3' <<<"$hist")"; } > "$d/histogram-other-bits.bin"
{ be8 0x00; printf '{"agent_iv":{"start_ns":5,"end_ns":1},"agent_res":{"conns":[{"id":7}]}}'; } > "$d/stream-odd-agent.bin"
printf '\x30{"client_res":null,"agent_res":[]}' > "$d/stream-four-flows-nothing.bin"

# ---- mesh (mesh/wire.h): data HELLO, message headers, control streams (u32 length + JSON)
mesh_hello() { printf 'TLMH'; be16 "${3:-1}"; be16 0; be32 "$1"; be32 "$2"; }
mesh_msg() { # KIND LENGTH SENDER TOKEN ORIGIN HOPS SENT_NS
    be8 1; be8 "$1"; be16 0; be32 "$2"; be32 "$3"; be32 "$4"; be32 "$5"; be32 0; be64 "$6"; be64 "$7"
}
ctl_msg() { be32 "${#1}"; printf '%s' "$1"; }
mspec='{"ranks":2,"tokens":4,"message_size":64,"pattern":"ring","transport":"tcp","seed":1,"duration_ns":1000000000,"hops":0,"max_time_ns":0,"connect_timeout_ns":10000000000}'
mhist=$hist # a real latency histogram, from the rr test above
final() { # RANK HOST NETNS
    printf '{"type":"final","rank":%s,"host_id":"%s","netns_id":"%s","held":2,"held_id_sum":%s,"held_id_hash":"%s","hops_sent":100,"hops_received":100,"hops_in_window":90,"misrouted":0,"window_ns":1000000000,"latency":%s,"cpu":{"wall_ns":1000000000,"user_ns":100000,"sys_ns":200000,"vol_ctx":10,"invol_ctx":1},"machine":{"busy_ticks":50,"idle_ticks":150,"ncpu":2},"counters":{"TCPTimeouts":0,"TCPLossProbes":1}}' \
        "$1" "$2" "$3" "$((1 + 4 * $1))" "$(printf %016x $((0x1234 << $1)))" "$mhist"
}
d=$here/corpus-mesh
mkdir -p "$d"
mesh_hello 1 7 > "$d/hello.bin"
mesh_hello 1 7 2 > "$d/hello-version-2.bin"
mesh_msg 1 64 0 3 0 5 123456789 > "$d/msg-token.bin"
mesh_msg 2 40 1 0 1 0 0 > "$d/msg-marker.bin"
mesh_msg 3 64 0 0 0 0 0 > "$d/msg-bad-kind.bin"
ctl_msg "{\"type\":\"hello\",\"rank\":1,\"size\":2,\"spec\":$mspec,\"port\":40000,\"addr\":\"127.0.0.1\",\"host_id\":\"h1\",\"netns_id\":\"n1\",\"pid\":42}" > "$d/ctl-hello.bin"
ctl_msg "{\"type\":\"hello\",\"rank\":1,\"size\":2,\"spec\":$(printf '%s' "$mspec" | sed 's/"ring"/"pairs"/; s/"ranks":2/"ranks":3/')}" > "$d/ctl-hello-pairs-odd.bin"
{ ctl_msg '{"type":"ready"}'; ctl_msg '{"type":"armed"}'; ctl_msg '{"type":"parked","n":4}'; } > "$d/ctl-steps.bin"
ctl_msg "$(final 0 h1 n1)" > "$d/ctl-final-one.bin"
{ ctl_msg "$(final 0 h1 n1)"; ctl_msg "$(final 1 h2 n2)"; } > "$d/ctl-final-two-hosts.bin"
{ ctl_msg "$(final 0 h1 n1)"; ctl_msg "$(final 1 h1 n1 | jq -c '.latency.sum = "340282366920938463463374607431768211455"')"; } > "$d/ctl-final-big-sum.bin"
ctl_msg '{"type":"error","msg":"rank 1: connect refused"}' > "$d/ctl-error.bin"
{ be32 0; } > "$d/ctl-length-zero.bin"
{ be32 $(((64 << 20) + 1)); } > "$d/ctl-length-over-limit.bin"
ctl_msg '[1,2,3]' > "$d/ctl-not-object.bin"
{ ctl_msg '{"type":"ready"}' | head -c 9; } > "$d/ctl-cut.bin"

echo "make-corpus.sh: wrote $(find "$here"/corpus "$here"/corpus-* -type f | wc -l) files" >&2
