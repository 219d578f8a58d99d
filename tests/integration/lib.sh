# Shared helpers for the integration tests: a private agent on loopback, assertions, cleanup.
# Every process a test starts is recorded by PID and ended by PID on exit.
set -u
TCPLAB=${TCPLAB:?set TCPLAB to the tcplab binary}
TL_TMP=$(mktemp -d /tmp/tl-test.XXXXXX)
TL_PIDS=()
TL_FAILS=0

tl_cleanup() {
    local p
    for p in "${TL_PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${TL_PIDS[@]}"; do
        wait "$p" 2>/dev/null
    done
    rm -rf "$TL_TMP"
}
trap tl_cleanup EXIT

# Starts an agent on a free loopback port; sets AGENT_PID and AGENT_PORT.
start_agent() {
    local pf="$TL_TMP/port.$RANDOM"
    "$TCPLAB" serve --bind 127.0.0.1 --port 0 --port-file "$pf" "$@" \
        >"$TL_TMP/agent.out" 2>"$TL_TMP/agent.log" &
    AGENT_PID=$!
    TL_PIDS+=("$AGENT_PID")
    local i
    for i in $(seq 1 100); do
        [ -s "$pf" ] && break
        sleep 0.05
    done
    [ -s "$pf" ] || { echo "agent did not start:"; cat "$TL_TMP/agent.log"; exit 1; }
    AGENT_PORT=$(cat "$pf")
}

fail() {
    echo "FAIL: $*"
    TL_FAILS=$((TL_FAILS + 1))
}

pass() {
    echo "ok: $*"
}

# check "description" jq-expression file: the expression must yield true.
check() {
    local what=$1 expr=$2 file=$3
    if [ "$(jq -r "$expr" "$file" 2>/dev/null)" = "true" ]; then
        pass "$what"
    else
        fail "$what  [jq: $expr]"
        jq -c "$expr" "$file" 2>&1 | head -c 400; echo
    fi
}

# check_goodput RATE_MBIT OUT CMD...: CMD is a stream --json through a bottleneck of
# RATE_MBIT, written to OUT; its goodput must be within 3% of RATE x 1448 / 1514 (payload
# with TCP timestamps over the Ethernet frame the emulator counts). Up to three runs, but a
# run is repeated only when the hypervisor took 1% or more of the machine's CPU time during
# it (stream's end.machine_cpu): the forwarder's CPU is then gone for milliseconds and the
# link idles (on this project's VM, 3% steal cost 5% of the rate). A run without steal that
# misses fails at once: that is the emulator's error. (The forwarder's lateness is no reason
# to repeat: runs late in 10 to 45% of their periods still got 0.9996 to 1.0001.)
check_goodput() {
    local rate=$1 out=$2 want got steal ratio late attempt
    shift 2
    want=$(awk -v r="$rate" 'BEGIN { printf "%.0f", r * 1e6 * 1448 / 1514 }')
    for attempt in 1 2 3; do
        "$@" >"$out" || fail "stream at ${rate} Mbit/s: exit $?: $(jq -r '.error // empty' "$out" 2>/dev/null | head -c 300)"
        got=$(jq '.end.sum.bits_per_second // 0' "$out" 2>/dev/null || echo 0)
        steal=$(jq '.end.machine_cpu.client.steal_percent // 0' "$out" 2>/dev/null || echo 0)
        ratio=$(awk -v g="$got" -v w="$want" 'BEGIN { printf "%.4f", g / w }')
        awk -v x="$ratio" 'BEGIN { exit !(x >= 0.97 && x <= 1.03) }' && break
        awk -v s="$steal" 'BEGIN { exit !(s >= 1) }' && [ "$attempt" -lt 3 ] || break
        echo "note: ${rate} Mbit/s run $attempt got $ratio x $want with ${steal}% of the CPUs stolen; again"
    done
    late=$(jq -r '.end.testbed.series // [] | "late in \([.[] | select(.late_p99_ns >= 200000)] | length) of \(length) periods"' "$out" 2>/dev/null)
    awk -v x="$ratio" 'BEGIN { exit !(x >= 0.97 && x <= 1.03) }' &&
        pass "${rate} Mbit/s: $got bit/s = $ratio x $want (run $attempt, steal ${steal}%, $late)" ||
        fail "${rate} Mbit/s: $got bit/s = $ratio x $want (run $attempt, steal ${steal}%, $late)"
}

# check_ecn_marks STREAM_JSON STATUS_JSON: after an ECN sender's stream through CoDel with
# ECN (testbed or router status in STATUS_JSON), the AQM marked and dropped only what it may.
# CoDel drops the packets that are not ECN-capable, and an ECN sender's only such packets are
# its retransmissions (sent without ECT: RFC 3168 section 6.1.5), which follow slow start's
# taildrop; a drop of an ECN-capable packet shows as more AQM drops than retransmissions, or
# than marks. (A tenth of the marks was too tight: a 4-s run makes as few as 3 or 4 marks.)
check_ecn_marks() {
    local retx marks aqm ecn
    retx=$(jq '[.end.streams[].sender.tcp_info.retransmits // 0] | add // 0' "$1")
    read -r marks aqm ecn < <(jq -r '"\(.fwd.stats.marks) \(.fwd.stats.drops.aqm) \(.fwd.queue.ecn)"' "$2")
    if [ "$ecn" = true ] && [ "$marks" -gt 0 ] && [ "$aqm" -le "$retx" ] && [ "$aqm" -le "$marks" ]; then
        pass "ECN: CoDel marked $marks packets; its $aqm drops were of the sender's $retx retransmissions"
    else
        fail "ECN: marks $marks, AQM drops $aqm, the sender's retransmissions $retx, queue.ecn $ecn"
    fi
}

finish() {
    if [ "$TL_FAILS" -gt 0 ]; then
        echo "agent log:"; tail -20 "$TL_TMP/agent.log" 2>/dev/null
        exit 1
    fi
    exit 0
}

# tl_schema_python: PY, a python3 that has jsonschema (Draft 2020-12), or the test is skipped.
# Debian's python3-jsonschema lives under /usr/bin/python3; another python3 on PATH may not see it.
tl_schema_python() {
    local p
    PY=
    for p in /usr/bin/python3 python3; do
        if command -v "$p" >/dev/null && "$p" -c 'import jsonschema; jsonschema.Draft202012Validator' 2>/dev/null; then
            PY=$p
            return 0
        fi
    done
    echo "SKIP: python3 with jsonschema (Draft 2020-12) not found; install python3-jsonschema (scripts/deps.sh)"
    exit 77
}
