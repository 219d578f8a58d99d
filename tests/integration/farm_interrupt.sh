#!/usr/bin/env bash
# Ctrl-C (SIGINT, sent by PID once the workers run) stops a farm run early: exit 130, the
# table or the JSON document of what was done so far (valid against docs/farm.schema.json,
# "interrupted": true, stopped by a signal, not complete), both ends told (serve and work as
# two processes: each interrupted one reports and exits, the other sees it), and no process
# left in the run's session. Each run is started with setsid, so its session id is its PID.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "skip: needs jq"; exit 77; }
DOCS=$(cd "${TESTS_DIR:-$(dirname "$0")/..}/.." && pwd)/docs

# Long on purpose: 5,000,000 one-number jobs, one per request; -t caps it at 60 s.
LONG=(--range 1-5000000 --jobs 5000000 --batch 1 --connection persistent -w 2 -t 60s -q)

# started PID: waits (at most 30 s) until the process runs threads (farm's workers or server).
started() {
    local _
    for _ in $(seq 1 300); do
        [ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -gt 1 ] && return 0
        sleep 0.1
    done
    return 1
}

# interrupt OUT ERR CMD...: starts CMD in a session of its own, SIGINT 1.5 s after its threads
# run, waits; sets RC and MS (the run's length).
interrupt() {
    local out=$1 err=$2; shift 2
    local t0 t1 pid
    t0=$(date +%s%N)
    setsid "$@" >"$out" 2>"$err" &
    pid=$!
    TL_PIDS+=("$pid")
    started "$pid" || fail "$*: no threads after 30 s"
    sleep 1.5
    kill -INT "$pid"
    wait "$pid"
    RC=$?
    t1=$(date +%s%N)
    MS=$(( (t1 - t0) / 1000000 ))
    LAST=$pid
}

# nothing_left PID: no process of that session remains.
nothing_left() {
    local n
    n=$(pgrep -s "$1" | wc -l)
    [ "$n" -eq 0 ] && pass "$2: no process left" || { fail "$2: $n processes left"; pgrep -a -s "$1"; }
}

# valid FILE: the document is valid against farm.schema.json.
valid() {
    if /usr/bin/python3 -c 'import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))' \
        "$DOCS/farm.schema.json" "$1" 2>"$TL_TMP/schema.err"; then
        pass "$2: valid against farm.schema.json"
    else
        fail "$2: $(grep -v "^ " "$TL_TMP/schema.err" | tail -2 | cut -c1-300)"
    fi
}
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || valid() { echo "note: no python3-jsonschema, $2 not validated"; }

# 1. farm --json
out=$TL_TMP/farm.json
interrupt "$out" "$TL_TMP/farm.err" "$TCPLAB" farm "${LONG[@]}" --json
[ "$RC" -eq 130 ] && pass "farm --json: exit 130" || fail "farm --json: exit $RC ($(head -c 300 "$TL_TMP/farm.err"))"
[ "$MS" -lt 30000 ] && pass "farm --json: stopped early (${MS} ms of a 60 s cap)" || fail "farm --json: took ${MS} ms"
check "farm --json: marked interrupted, stopped by the signal, incomplete, jobs done so far" \
    '.interrupted == true and .stopped_by == "signal" and .complete == false and .jobs_done > 0 and .jobs_done < 5000000 and .elapsed_s > 0.5 and .elapsed_s < 30 and .result.verdict == "INCOMPLETE"' "$out"
check "farm --json: the workers stopped and the server counted what they returned" \
    '.workers.requests > 0 and .server_stats.requests > 0 and .jobs_done <= .server_stats.handed_out' "$out"
valid "$out" "farm --json"
grep -q "interrupted: stopping the test" "$TL_TMP/farm.err" && pass "farm: says on stderr that it stops" \
    || fail "farm: no stderr note ($(head -c 200 "$TL_TMP/farm.err"))"
nothing_left "$LAST" "farm --json"

# 2. The table
out=$TL_TMP/farm.txt
interrupt "$out" "$TL_TMP/farm2.err" "$TCPLAB" farm "${LONG[@]}"
[ "$RC" -eq 130 ] && pass "farm table: exit 130" || fail "farm table: exit $RC"
grep -q "^Interrupted (Ctrl-C): the figures cover the [0-9.]* s run until then" "$out" &&
    grep -q "(signal)" "$out" && grep -q "INCOMPLETE" "$out" \
    && pass "farm table: the table, stopped by the signal, and the Interrupted line" \
    || { fail "farm table"; cat "$out"; }
nothing_left "$LAST" "farm table"

# 3. --compare: the first run interrupted, the second not started.
out=$TL_TMP/compare.json
interrupt "$out" "$TL_TMP/compare.err" "$TCPLAB" farm --compare --range 1-5000000 --jobs 5000000 -w 2 -t 60s -q --json
[ "$RC" -eq 130 ] && pass "farm --compare: exit 130" || fail "farm --compare: exit $RC"
check "farm --compare: one run, interrupted, and the document says so" \
    '.interrupted == true and (.runs | length) == 1 and .runs[0].stopped_by == "signal" and (.summary | length) == 1' "$out"
valid "$out" "farm --compare"
nothing_left "$LAST" "farm --compare"

# 4. serve and work as two processes: interrupt the workers, then the server.
pf=$TL_TMP/port
setsid "$TCPLAB" farm serve --bind 127.0.0.1 --port 0 --port-file "$pf" --range 1-5000000 \
    --jobs 5000000 -t 60s --json >"$TL_TMP/serve.json" 2>"$TL_TMP/serve.err" &
spid=$!
TL_PIDS+=("$spid")
for _ in $(seq 1 200); do [ -s "$pf" ] && break; sleep 0.05; done
[ -s "$pf" ] || { fail "farm serve did not write its port"; cat "$TL_TMP/serve.err"; finish; }
out=$TL_TMP/work.json
interrupt "$out" "$TL_TMP/work.err" "$TCPLAB" farm work 127.0.0.1 -p "$(cat "$pf")" --batch 1 \
    --connection persistent -w 2 -t 60s -q --json
[ "$RC" -eq 130 ] && pass "farm work: exit 130" || fail "farm work: exit $RC ($(head -c 300 "$TL_TMP/work.err"))"
check "farm work: interrupted, stopped by the signal, requests made" \
    '.interrupted == true and .stopped_by == "signal" and .workers.requests > 0' "$out"
valid "$out" "farm work"
nothing_left "$LAST" "farm work"
kill -0 "$spid" 2>/dev/null && pass "farm serve: still serving after the workers left" || fail "farm serve ended with the workers"
sleep 0.5
kill -INT "$spid"
wait "$spid"
RC=$?
[ "$RC" -eq 130 ] && pass "farm serve: exit 130" || fail "farm serve: exit $RC ($(head -c 300 "$TL_TMP/serve.err"))"
check "farm serve: interrupted, the jobs the workers returned counted, incomplete" \
    '.interrupted == true and .stopped_by == "signal" and .jobs_done > 0 and .complete == false and .server_stats.connections_accepted >= 2' "$TL_TMP/serve.json"
valid "$TL_TMP/serve.json" "farm serve"
nothing_left "$spid" "farm serve"
finish
