#!/usr/bin/env bash
# Limits a client cannot move: congestion-control names only from the agent's
# net.ipv4.tcp_allowed_congestion_control (a root agent must not load tcp_<name> modules on a
# client's word), --max-test-rate and --max-rate (SO_MAX_PACING_RATE on what the agent sends),
# and --one-off.
. "$(dirname "$0")/lib.sh"
PEER=$(dirname "$0")/agent_peer.py
start_agent --max-test-rate 80M --max-rate 100M

# a real client's TEST, recorded, with the congestion control changed
pf=$TL_TMP/pp
/usr/bin/python3 "$PEER" proxy "$AGENT_PORT" "$pf" none none x record="$TL_TMP/rec" seconds=15 >/dev/null 2>&1 &
proxy=$!; TL_PIDS+=("$proxy")
for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
"$TCPLAB" stream 127.0.0.1 -p "$(cat "$pf")" -t 1 --json >/dev/null || fail "recording a TEST: exit $?"
kill "$proxy"; wait "$proxy" 2>/dev/null
allowed=$(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control)
first=${allowed%% *}
jq -c '.spec.opts.cc = "tcplabnosuchcc"' "$TL_TMP/rec.test.json" >"$TL_TMP/bad.json"
jq -c --arg cc "$first" '.spec.opts.cc = $cc' "$TL_TMP/rec.test.json" >"$TL_TMP/good.json"
/usr/bin/python3 "$PEER" test "$AGENT_PORT" "$TL_TMP/bad.json" 5 >"$TL_TMP/bad.out" 2>&1
grep -q 'congestion control \\"tcplabnosuchcc\\" is not available here' "$TL_TMP/bad.out" \
    && pass "a name that is not loaded (not in tcp_available_congestion_control) is refused" || fail "bad cc: $(cat "$TL_TMP/bad.out")"
if [ -r /proc/modules ]; then
    grep -q "tcp_tcplabnosuchcc" /proc/modules && fail "a module was asked for" || pass "no tcp_<name> module loaded"
fi
/usr/bin/python3 "$PEER" test "$AGENT_PORT" "$TL_TMP/good.json" 3 >"$TL_TMP/good.out" 2>&1
grep -q "got ACCEPT" "$TL_TMP/good.out" && pass "an allowed name ($first) is accepted" || fail "good cc: $(cat "$TL_TMP/good.out")"

# --max-test-rate 80M: one reverse test (the agent sends) stays under it; loopback alone would
# carry several Gbit/s
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -R -P 2 -t 3 --json >"$TL_TMP/one.json" || fail "one test: exit $?"
# (pacing counts headers, so goodput sits a little under the cap; the margin is for the edges
# of the measurement window)
check "--max-test-rate 80M: one test at most 96 Mbit/s ($(jq .end.sum.bits_per_second "$TL_TMP/one.json"))" \
    '.end.sum.bits_per_second > 0 and .end.sum.bits_per_second <= 96000000' "$TL_TMP/one.json"
# --max-rate 100M: two at once share it (80 + the 20 left)
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -R -P 2 -t 4 --json >"$TL_TMP/a.json" & a=$!
sleep 0.3
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -R -P 2 -t 3 --json >"$TL_TMP/b.json" & b=$!
wait $a || fail "test A: exit $?"
wait $b || fail "test B: exit $?"
sum=$(jq -s '.[0].end.sum.bits_per_second + .[1].end.sum.bits_per_second' "$TL_TMP/a.json" "$TL_TMP/b.json")
awk -v s="$sum" 'BEGIN {exit !(s > 0 && s <= 120000000)}' && pass "--max-rate 100M: two tests together $sum bit/s" \
    || fail "--max-rate 100M: two tests together $sum bit/s"
# Which test gets the 20M left is the order the agent admits them in: B normally, A when
# A's TEST comes after B's or the previous test's share is not yet given back (a loaded host).
low=$(jq -s '[.[].end.sum.bits_per_second] | min' "$TL_TMP/a.json" "$TL_TMP/b.json")
awk -v l="$low" 'BEGIN {exit !(l > 0 && l <= 26000000)}' && pass "the test admitted second got what was left (20M; $low bit/s)" \
    || fail "neither test was held to the 20M left: the lower one ran at $low bit/s"

# --one-off: one test, then the agent exits 0
pf2=$TL_TMP/port.oneoff
"$TCPLAB" serve --bind 127.0.0.1 --port 0 --port-file "$pf2" --one-off >/dev/null 2>"$TL_TMP/oneoff.log" &
one=$!; TL_PIDS+=("$one")
for i in $(seq 1 100); do [ -s "$pf2" ] && break; sleep 0.05; done
"$TCPLAB" stream 127.0.0.1 -p "$(cat "$pf2")" -t 1 --json >"$TL_TMP/oo.json" || fail "one-off test: exit $?"
check "--one-off: the test is served" '.end.sum.bytes > 0' "$TL_TMP/oo.json"
for i in $(seq 1 100); do kill -0 "$one" 2>/dev/null || break; sleep 0.1; done
kill -0 "$one" 2>/dev/null && fail "--one-off: the agent still runs after its test" || {
    wait "$one"; rc=$?
    [ $rc = 0 ] && pass "--one-off: the agent exited 0 after its test" || fail "--one-off: exit $rc"
}
finish
