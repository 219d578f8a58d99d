#!/usr/bin/env bash
# The agent: two tests at once, a client killed mid-test (everything freed, next test served),
# malformed and out-of-order control messages, connections that never greet.
. "$(dirname "$0")/lib.sh"
start_agent --handshake-timeout 1s

fds() { ls /proc/"$AGENT_PID"/fd | wc -l; }
threads() { ls /proc/"$AGENT_PID"/task | wc -l; }
base_fds=$(fds); base_threads=$(threads)

# two tests at once
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -P 8 -t 2 --json >"$TL_TMP/a.json" &
a=$!
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -P 8 -t 2 -R --json >"$TL_TMP/b.json" &
b=$!
wait $a || fail "concurrent test A: exit $?"
wait $b || fail "concurrent test B: exit $?"
check "two tests at once: A measured" '.end.sum.bytes > 0 and .end.failed_flows == 0' "$TL_TMP/a.json"
check "two tests at once: B measured" '.end.sum.bytes > 0 and .end.failed_flows == 0' "$TL_TMP/b.json"

# a client killed mid-test
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -P 50 -t 30 --json >/dev/null 2>&1 &
victim=$!
sleep 1.5
[ "$(threads)" -gt "$base_threads" ] && pass "kill: the test was running (threads up)" || fail "kill: test not running"
kill -9 "$victim"; wait "$victim" 2>/dev/null
freed=0
for i in $(seq 1 50); do
    if [ "$(fds)" -le "$base_fds" ] && [ "$(threads)" -le "$base_threads" ]; then freed=1; break; fi
    sleep 0.1
done
[ $freed = 1 ] && pass "kill: agent freed every fd and thread (fds $(fds)/$base_fds, threads $(threads)/$base_threads)" \
    || fail "kill: agent still holds fds $(fds) (base $base_fds), threads $(threads) (base $base_threads)"
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 --json >"$TL_TMP/after.json" || fail "after kill: exit $?"
check "kill: the next test is served" '.end.sum.bytes > 0' "$TL_TMP/after.json"

# raw bytes at the control port (bash's /dev/tcp), each answered or closed, agent unharmed
send_raw() { # $1 = printf format of bytes; prints what the agent answered
    exec 3<>/dev/tcp/127.0.0.1/"$AGENT_PORT" || return 1
    printf "$1" >&3 2>/dev/null
    timeout 3 cat <&3 2>/dev/null | tr -c '[:print:]' '.'
    exec 3<&- 3>&-
}
reply=$(send_raw 'GET / HTTP/1.0\r\n\r\n')
[ -z "$reply" ] && pass "garbage: closed without an answer" || fail "garbage: answered '$reply'"
reply=$(send_raw 'TLAB\x00\x09\x00\x01\x00\x00\x00\x02{}')
echo "$reply" | grep -q "version 9" && pass "bad version: named in the error" || fail "bad version: '$reply'"
reply=$(send_raw 'TLAB\x00\x01\x00\x01\x7f\x00\x00\x00')
echo "$reply" | grep -q "limit" && pass "oversized frame: refused with its limit" || fail "oversized: '$reply'"
reply=$(send_raw 'TLAB\x00\x01\x00\x06\x00\x00\x00\x02{}')
echo "$reply" | grep -q "expected a HELLO message, got START" && pass "out of order: named" || fail "out of order: '$reply'"
reply=$(send_raw 'TLAB\x00\x01\x00\x01\x00\x00\x00\x05[1,2]')
echo "$reply" | grep -q "not a JSON object" && pass "not an object: named" || fail "not an object: '$reply'"
spec='{"spec":{"flows":"many"}}'
reply=$(send_raw "TLAB\x00\x01\x00\x01\x00\x00\x00\x02{}TLAB\x00\x01\x00\x03\x00\x00\x00\\x$(printf %02x ${#spec})$spec")
echo "$reply" | grep -q "test spec refused" && pass "bad spec: refused with the field" || fail "bad spec: '$reply'"
reply=$(send_raw 'TLDA\x00\x01\x00\x00AAAAAAAAAAAAAAAA\x00\x00\x00\x00')
[ -z "$reply" ] && pass "unknown cookie: closed" || fail "unknown cookie: '$reply'"
# a connection that says nothing is closed after the handshake timeout
exec 4<>/dev/tcp/127.0.0.1/"$AGENT_PORT"
timeout 4 cat <&4 >/dev/null 2>&1
[ $? -ne 124 ] && pass "silent connection: closed by the agent" || fail "silent connection: still open after 4 s"
exec 4<&- 4>&-
grep -q "handshake timeout" "$TL_TMP/agent.log" && pass "silent connection: logged" || fail "silent connection: not logged"

"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 --json >"$TL_TMP/last.json" || fail "final test: exit $?"
check "after all that: the agent still serves" '.end.sum.bytes > 0' "$TL_TMP/last.json"
kill -0 "$AGENT_PID" && pass "agent alive" || fail "agent died"
finish
