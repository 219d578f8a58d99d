#!/usr/bin/env bash
# Slots held without traffic: TESTs for many flows with a one-hour connect
# timeout that open no data connection held every slot for an hour. The agent now caps the
# client's connect and stall timeouts (--max-connect-timeout, --max-stall-timeout) and a slot's
# whole life (--max-duration after the connect time it allowed). The holders' slots last 6 s, so
# that all three hold theirs at once even when their interpreters start seconds apart.
. "$(dirname "$0")/lib.sh"
PEER=$(dirname "$0")/agent_peer.py
start_agent --max-tests 3 --max-connect-timeout 5s --max-stall-timeout 1s --max-duration 2s
fds() { ls /proc/"$AGENT_PID"/fd | wc -l; }
threads() { ls /proc/"$AGENT_PID"/task | wc -l; }

# a real client's TEST, recorded, then made hostile: 20,000 flows, 1 h connect, 1 day stall
pf=$TL_TMP/pp
/usr/bin/python3 "$PEER" proxy "$AGENT_PORT" "$pf" none none x record="$TL_TMP/rec" seconds=15 >/dev/null 2>&1 &
proxy=$!; TL_PIDS+=("$proxy")
for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
"$TCPLAB" crr 127.0.0.1 -p "$(cat "$pf")" -t 1 --json >/dev/null || fail "recording a crr TEST: exit $?"
cp "$TL_TMP/rec.test.json" "$TL_TMP/crr.json"
"$TCPLAB" stream 127.0.0.1 -p "$(cat "$pf")" -t 1 --json >/dev/null || fail "recording a TEST: exit $?"
kill "$proxy"; wait "$proxy" 2>/dev/null
jq -c '.spec.flows = 20000 | .spec.connect_timeout_ns = 3600000000000 | .spec.stall_timeout_ns = 86400000000000' \
    "$TL_TMP/rec.test.json" >"$TL_TMP/hostile.json" || { fail "no TEST recorded"; finish; }
sleep 0.5
base_fds=$(fds); base_threads=$(threads)

# fill every slot with a test that never connects
holders=()
for i in 1 2 3; do
    timeout 60 /usr/bin/python3 "$PEER" test "$AGENT_PORT" "$TL_TMP/hostile.json" 40 >"$TL_TMP/h$i" 2>&1 &
    holders+=($!); TL_PIDS+=($!)
done
for i in $(seq 1 100); do
    [ "$(cat "$TL_TMP"/h? 2>/dev/null | grep -c 'got ACCEPT')" = 3 ] && break
    sleep 0.1
done
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 --json >"$TL_TMP/busy.json" 2>/dev/null
check "slots full: a real client is told the agent is busy" '.error | test("agent busy")' "$TL_TMP/busy.json"
wait "${holders[@]}"
for i in 1 2 3; do
    grep -q '"connect_timeout_ns": 5000000000' "$TL_TMP/h$i" && pass "holder $i: its 1 h connect timeout capped to 5 s (in ACCEPT)" \
        || fail "holder $i: $(head -3 "$TL_TMP/h$i")"
    after=$(awk '/^closed_after/ {print int($2)}' "$TL_TMP/h$i")
    # the cap is 5 s (+1 s): 30 s is far beyond it and far below the hour asked for
    [ -n "$after" ] && [ "$after" -lt 30 ] && pass "holder $i: slot freed after ${after}s" \
        || fail "holder $i: slot held ${after:-?}s"
done
# the capped wait ends them, or (when making a 20,000-flow test took seconds on a loaded host)
# the slot's own end just before it
n=$(grep -cE "failed: (only 0 of 20000 data connections arrived within 6 s|ended by this agent's --max-duration)" "$TL_TMP/agent.log")
[ "$n" = 3 ] && pass "the three ended by the agent's caps, and the log says which" \
    || fail "$n of 3 holders ended by a cap: $(grep failed "$TL_TMP/agent.log" | head -3)"
freed=0
for i in $(seq 1 100); do
    if [ "$(fds)" -le "$base_fds" ] && [ "$(threads)" -le "$base_threads" ]; then freed=1; break; fi
    sleep 0.1
done
[ $freed = 1 ] && pass "fds $(fds)/$base_fds and threads $(threads)/$base_threads back to baseline" \
    || fail "agent holds fds $(fds) (base $base_fds), threads $(threads) (base $base_threads)"
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 --json >"$TL_TMP/after.json" || fail "after: exit $?"
check "slots freed: a real client is served" '.end.sum.bytes > 0' "$TL_TMP/after.json"

# --max-duration covers the slot's life after connecting: a crr test (no data connections to
# wait for, READY at once) whose client never says START loses its slot at the cap (connect 1 s
# + 1 s + 2 s), before the 10 s the agent gives any one message
jq -c '.spec.duration_ns = 1000000000 | .spec.connect_timeout_ns = 1000000000' "$TL_TMP/crr.json" >"$TL_TMP/crr1.json"
timeout 60 /usr/bin/python3 "$PEER" test "$AGENT_PORT" "$TL_TMP/crr1.json" 30 >"$TL_TMP/nostart" 2>&1
grep -q "got READY" "$TL_TMP/nostart" && pass "no START: the crr test was ready" || fail "no START: $(cat "$TL_TMP/nostart")"
grep -q "max-duration" "$TL_TMP/nostart" && pass "no START: the client is told --max-duration ended it" \
    || fail "no START: not told: $(tail -2 "$TL_TMP/nostart")"
after=$(awk '/^closed_after/ {print int($2)}' "$TL_TMP/nostart")
[ -n "$after" ] && [ "$after" -lt 9 ] && pass "no START: slot freed after ${after}s (the cap, not the 10 s message wait)" \
    || fail "no START: slot held ${after:-?}s"
finish
