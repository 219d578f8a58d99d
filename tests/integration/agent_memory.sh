#!/usr/bin/env bash
# Memory amplification: a 63 MiB frame took 1.3 GB of the agent's RSS, six at
# once 7.9 GB. Each state now reads only the types it expects, each under its own bound, judged
# from the 12-byte header: an announced 63 MiB frame must be refused without being read whole,
# and the agent's peak RSS (VmHWM) must stay far below one such frame.
. "$(dirname "$0")/lib.sh"
PEER=$(dirname "$0")/agent_peer.py
py() { timeout 40 /usr/bin/python3 "$PEER" "$@"; }
start_agent
hwm_kb() { awk '/^VmHWM/ {print $2}' /proc/"$AGENT_PID"/status; }
BIG=$((63 << 20))

# A real client's TEST, recorded through the proxy: the spec of this build, nothing typed by hand.
pf=$TL_TMP/pp
/usr/bin/python3 "$PEER" proxy "$AGENT_PORT" "$pf" none none x record="$TL_TMP/rec" seconds=15 >/dev/null 2>&1 &
proxy=$!; TL_PIDS+=("$proxy")
for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
"$TCPLAB" stream 127.0.0.1 -p "$(cat "$pf")" -t 1 --json >/dev/null || fail "recording a TEST: exit $?"
kill "$proxy"; wait "$proxy" 2>/dev/null
[ -s "$TL_TMP/rec.test.json" ] && pass "a TEST recorded ($(wc -c <"$TL_TMP/rec.test.json") bytes)" \
    || { fail "no TEST recorded"; finish; }
base=$(hwm_kb)

# 1. a 63 MiB TEST after HELLO (TEST's own limit is a few KB)
py frame "$AGENT_PORT" TEST $BIG >"$TL_TMP/f1" 2>&1
sent=$(awk '/^sent/ {print $2}' "$TL_TMP/f1")
[ -n "$sent" ] && [ "$sent" -lt $((16 << 20)) ] && pass "63 MiB TEST: the agent stopped taking it after $sent bytes" \
    || fail "63 MiB TEST: the agent took ${sent:-?} bytes"
grep -q "TEST message of $BIG bytes exceeds its limit of 8192 bytes" "$TL_TMP/agent.log" \
    && pass "63 MiB TEST: refused with its limit, logged" || fail "63 MiB TEST: no refusal in the log"

# 2. a 63 MiB RESULTS while the data connections are awaited (after ACCEPT)
py frame "$AGENT_PORT" RESULTS $BIG test="$TL_TMP/rec.test.json" >"$TL_TMP/f2" 2>&1
grep -q "answer1 ACCEPT" "$TL_TMP/f2" && pass "after ACCEPT: the test was accepted" || fail "after ACCEPT: $(cat "$TL_TMP/f2")"
sent=$(awk '/^sent/ {print $2}' "$TL_TMP/f2")
[ -n "$sent" ] && [ "$sent" -lt $((16 << 20)) ] && pass "63 MiB RESULTS after ACCEPT: stopped after $sent bytes" \
    || fail "63 MiB RESULTS after ACCEPT: the agent took ${sent:-?} bytes"
grep -q "while the data connections arrive: unexpected RESULTS message" "$TL_TMP/agent.log" \
    && pass "63 MiB RESULTS after ACCEPT: refused, named" || fail "RESULTS after ACCEPT: no refusal in the log"

# 3. a 63 MiB RESULTS from the client side while a real test runs (after START)
/usr/bin/python3 "$PEER" proxy "$AGENT_PORT" "$pf.2" c:START big x seconds=30 >"$TL_TMP/p3" 2>&1 &
proxy=$!; TL_PIDS+=("$proxy")
for i in $(seq 1 100); do [ -s "$pf.2" ] && break; sleep 0.05; done
"$TCPLAB" stream 127.0.0.1 -p "$(cat "$pf.2")" -t 3 --json >/dev/null 2>&1
for i in $(seq 1 100); do grep -q "big sent" "$TL_TMP/p3" && break; sleep 0.2; done
kill "$proxy" 2>/dev/null; wait "$proxy" 2>/dev/null
sent=$(awk '/^big sent/ {print $3}' "$TL_TMP/p3")
[ -n "$sent" ] && [ "$sent" -lt $((16 << 20)) ] && pass "63 MiB RESULTS during the test: stopped after $sent bytes" \
    || fail "63 MiB RESULTS during the test: the agent took ${sent:-?} bytes"
grep -q "during the test: expected a DONE message, got RESULTS" "$TL_TMP/agent.log" \
    && pass "63 MiB RESULTS during the test: refused, named" || fail "during the test: no refusal in the log"

# 4. six at once, three kinds each
six=()
for i in 1 2 3 4 5 6; do
    case $((i % 3)) in
        0) py frame "$AGENT_PORT" TEST $BIG >/dev/null 2>&1 & ;;
        1) py frame "$AGENT_PORT" RESULTS $BIG test="$TL_TMP/rec.test.json" >/dev/null 2>&1 & ;;
        2) py frame "$AGENT_PORT" INTERVAL $BIG >/dev/null 2>&1 & ;;
    esac
    six+=($!); TL_PIDS+=($!)
done
wait "${six[@]}"
hwm=$(hwm_kb)
# one such frame read whole would be 63 MiB (and its parse many times that)
[ "$hwm" -le $((base + 32768)) ] && pass "peak RSS $hwm KB (before $base KB): no frame was read whole" \
    || fail "peak RSS rose from $base KB to $hwm KB"

"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 --json >"$TL_TMP/after.json" || fail "after: exit $?"
check "after the big frames: the agent still serves" '.end.sum.bytes > 0' "$TL_TMP/after.json"
finish
