#!/usr/bin/env bash
# farm's command line: help, options that do not fit a mode, bad numbers, JSON on errors,
# and a worker pointed at a port where nothing listens.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "skip: needs jq"; exit 77; }

# usage_error "description" "expected text" args...: exit 2, the text on stderr.
usage_error() {
    local what=$1 want=$2
    shift 2
    "$TCPLAB" "$@" >"$TL_TMP/u.out" 2>"$TL_TMP/u.err"
    local rc=$?
    if [ "$rc" -eq 2 ] && grep -qF -- "$want" "$TL_TMP/u.err"; then
        pass "$what"
    else
        fail "$what: exit $rc, stderr: $(head -c 300 "$TL_TMP/u.err")"
    fi
}

"$TCPLAB" farm --help >"$TL_TMP/help" && grep -q 'farm work HOST' "$TL_TMP/help" \
    && pass "--help: exit 0, shows the three forms" || fail "--help"
"$TCPLAB" help farm | grep -q -- '--connection' && pass "tcplab help farm" || fail "help farm"
usage_error "serve takes no --batch" "--batch is not an option of 'tcplab farm serve'" farm serve --batch 5
usage_error "work takes no --jobs" "--jobs is not an option of 'tcplab farm work'" farm work 127.0.0.1 --jobs 5
usage_error "work needs a HOST" "no HOST given" farm work
usage_error "bad --connection" '--connection "sometimes": per-request or persistent' farm --connection sometimes
usage_error "more jobs than numbers" "11 jobs for 10 numbers" farm --range 1-10 --jobs 11
usage_error "--batch beyond the protocol's limit" '--batch' farm --batch 100001
usage_error "--range written wrong" 'write A-B' farm --range 5000000
usage_error "--port-range needs --isolate" "--port-range only applies with --isolate" farm --port-range 40000-40100
usage_error "--compare picks the connection itself" "--compare sets --connection" farm --compare --connection persistent
usage_error "--isolate only for farm alone" "--isolate is an option of 'tcplab farm' alone" farm serve --isolate
usage_error "--max-time has a floor" "--max-time" farm --max-time 1ms

"$TCPLAB" farm --jobs 0 --json >"$TL_TMP/e.json" 2>/dev/null
rc=$?
[ "$rc" -eq 2 ] && pass "--json usage error: exit 2" || fail "--json usage error: exit $rc"
check "--json usage error is valid JSON with the reason" '.error | contains("--jobs")' "$TL_TMP/e.json"

# A port nobody listens on: bind one, note it, close it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null)
if [ -n "$port" ]; then
    timeout 20 "$TCPLAB" farm work 127.0.0.1 --port "$port" --max-time 5s --json \
        >"$TL_TMP/r.json" 2>"$TL_TMP/r.err"
    rc=$?
    [ "$rc" -eq 3 ] && pass "work to a closed port: exit 3" || fail "work to a closed port: exit $rc"
    check "work to a closed port: JSON error names the cause" \
        '.error | contains("connection refused") and contains("farm serve")' "$TL_TMP/r.json"
fi
finish
