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
