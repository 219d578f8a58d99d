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
