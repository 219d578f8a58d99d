#!/usr/bin/env bash
# Ctrl-C (SIGINT) stops a test early the way a user expects: the summary of what was measured
# so far, marked interrupted in the table and in the JSON (which stays valid), the agent told
# (its results are in the document and it logs the test as done), exit status 130. A second
# Ctrl-C exits at once. For stream, rr and crr, with real processes and a real agent.
. "$(dirname "$0")/lib.sh"
start_agent

# run_int OUT ERR SECONDS CMD...: starts CMD, sends SIGINT SECONDS after the agent logged the
# test (a slow start, e.g. under a sanitizer on a loaded host, is not cut), waits; sets RC, MS
run_int() {
    local out=$1 err=$2 after=$3; shift 3
    local t0 t1 seen
    seen=$(grep -c " from " "$TL_TMP/agent.log")
    t0=$(date +%s%N)
    "$@" >"$out" 2>"$err" &
    local pid=$!
    for _ in $(seq 1 300); do [ "$(grep -c " from " "$TL_TMP/agent.log")" -gt "$seen" ] && break; sleep 0.1; done
    sleep "$after"
    kill -INT "$pid"
    wait "$pid"
    RC=$?
    t1=$(date +%s%N)
    MS=$(( (t1 - t0) / 1000000 ))
}

# 1. stream --json
out=$TL_TMP/s.json
run_int "$out" "$TL_TMP/s.err" 2 "$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 30 --json
[ "$RC" -eq 130 ] && pass "stream: exit 130" || fail "stream: exit $RC ($(cat "$TL_TMP/s.err"))"
[ "$MS" -lt 20000 ] && pass "stream: stopped early (${MS} ms of a 30 s test)" || fail "stream: took ${MS} ms"
check "stream: valid JSON marked interrupted, with the time measured so far" \
    '.interrupted == true and .end.incomplete == true and .end.incomplete_reason == "interrupted" and .end.sum.seconds > 1 and .end.sum.seconds < 9 and .error == null' "$out"
check "stream: the agent was told and sent its results (the receiver's count is there)" \
    '.end.streams[0].receiver.bytes > 0 and .end.streams[0].receiver.state != "missing" and .end.sum.bytes > 0' "$out"
grep -q "interrupted: stopping the test" "$TL_TMP/s.err" && pass "stream: says on stderr that it stops" || fail "stream: no stderr note"

# 2. stream, the table
out=$TL_TMP/s.txt
run_int "$out" "$TL_TMP/s2.err" 2 "$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 30
[ "$RC" -eq 130 ] && pass "stream table: exit 130" || fail "stream table: exit $RC"
grep -q "^Interrupted (Ctrl-C): the figures cover the" "$out" && grep -q "^Total: " "$out" \
    && pass "stream table: the summary and the Interrupted line" || { fail "stream table"; cat "$out"; }

# 3. rr and crr
for w in rr crr; do
    out=$TL_TMP/$w.json
    run_int "$out" "$TL_TMP/$w.err" 2 "$TCPLAB" "$w" 127.0.0.1 -p "$AGENT_PORT" -t 30 --json
    [ "$RC" -eq 130 ] && pass "$w: exit 130" || fail "$w: exit $RC ($(cat "$TL_TMP/$w.err"))"
    check "$w: valid JSON marked interrupted, transactions counted" \
        '.interrupted == true and .end.sum.transactions > 0 and .end.sum.seconds < 9 and .error == null' "$out"
    out=$TL_TMP/$w.txt
    run_int "$out" "$TL_TMP/$w.err" 2 "$TCPLAB" "$w" 127.0.0.1 -p "$AGENT_PORT" -t 30
    [ "$RC" -eq 130 ] && grep -q "^Interrupted (Ctrl-C)" "$out" && pass "$w table: exit 130, Interrupted line" \
        || { fail "$w table: exit $RC"; cat "$out"; }
done
sleep 0.5
n_done=$(grep -c "done$" "$TL_TMP/agent.log")
[ "$n_done" -ge 6 ] && pass "agent: every interrupted test ended as done ($n_done)" || { fail "agent: $n_done done"; cat "$TL_TMP/agent.log"; }

# 4. A second Ctrl-C exits at once: the agent is stopped (SIGSTOP), so after the first one
# the client waits for its results; the second ends the wait without printing anything.
out=$TL_TMP/twice.json
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 30 --json >"$out" 2>"$TL_TMP/twice.err" &
pid=$!
sleep 2
kill -STOP "$AGENT_PID"
kill -INT "$pid"; sleep 0.2; kill -INT "$pid"
wait "$pid"
RC=$?
kill -CONT "$AGENT_PID"
[ "$RC" -eq 130 ] && pass "twice: exit 130" || fail "twice: exit $RC"
[ ! -s "$out" ] && pass "twice: quit at once, before the summary" || fail "twice: printed $(head -c 200 "$out")"
finish
