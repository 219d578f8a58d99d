#!/usr/bin/env bash
# probe believes only samples that agree. The path: tbf at 100 Mbit/s between two namespaces
# made here. The disturbance: the agent (the receiver) is stopped with SIGSTOP for 1.2 s in the
# middle of the bulk window, as a loaded host deschedules it; the kernel keeps receiving into
# its buffer, and when the agent runs again it reads the backlog at once. Its intervals then
# read 0 and then far more than 100 Mbit/s: the report that started this showed 37.8 Mbit/s,
# quartiles 0..142, best 236 on a 100 Mbit/s path, and remembered it for ten minutes.
# - disturbed once: the bulk phase is measured again, the result is the path's and remembered;
# - disturbed every time: the result is flagged NOT CONSISTENT and never remembered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stream_tbf_lib.sh"
tbf_path 100mbit
AGENT=${TL_PIDS[-1]}   # ip netns exec runs the agent in its own process
export XDG_CACHE_HOME="$TL_TMP/cache"
STATE="$TL_TMP/probe.json"

# disturb N...: for each bulk test number N (test 1 is the rr phase), stop the agent 1 s after
# the agent logged it (the 100 ms start delay and the ~0.5 s warm-up are over) for 1.2 s.
disturb() {
    local n
    for n in "$@"; do
        for _ in $(seq 1 600); do grep -q "test $n from" "$TL_TMP/agent.log" && break; sleep 0.05; done
        sleep 1.0
        kill -STOP "$AGENT"; sleep 1.2; kill -CONT "$AGENT"
    done
}
MTU=$(ip -n "$NS_A" -j link show dev "$VA" | jq '.[0].mtu')

# 1. Disturbed in the first bulk phase only.
disturb 2 &
DPID=$!
out=$TL_TMP/once.json
inA "$TCPLAB" probe "$ADDR_B" -p "$PORT" --state "$STATE" --fresh --json >"$out" 2>"$TL_TMP/once.err" \
    || fail "probe (disturbed once): exit $? ($(cat "$TL_TMP/once.err"))"
wait "$DPID"
jq -c '.probe.rate | {bits_per_second, interval_p25_bps, interval_p75_bps, interval_max_bps, bound_bps, rejected_intervals, attempts, consistent}' "$out"
check "disturbed once: measured again" '.probe.rate.attempts == 2' "$out"
expect=$(jq -n --argjson mss "$(jq '.probe.rate.mss' "$out")" --argjson mtu "$MTU" '100000000 * $mss / ($mtu + 14)')
# (On a heavily loaded host the second measurement has its own smaller catch-ups, so the best
# interval is held to the senders' bound, not to the link.)
check "disturbed once: no sample kept above the senders' bound" \
    '.probe.rate.interval_max_bps <= .probe.rate.bound_bps' "$out"
echo "expected goodput $expect bit/s"
# The second measurement is undisturbed by this test, but not by the rest of a loaded host:
# believed and remembered when its samples agree, flagged and not remembered when not.
check "disturbed once: remembered exactly when believed" '.origin.saved == .probe.rate.consistent' "$out"
if jq -e '.probe.rate.consistent' "$out" >/dev/null; then
    check "disturbed once: the believed rate is the path's (within 10% of the tbf goodput)" \
        "(.probe.rate.bits_per_second - $expect | fabs) <= 0.1 * $expect" "$out"
else
    echo "note: the second measurement was disturbed too: $(jq -r '.probe.rate.inconsistency' "$out")"
fi

# 2. Disturbed in every bulk phase (the second probe's tests: 4 is its rr phase, 5 and 6 its
# two bulk phases), each watched on its own so that one running late cannot miss the next.
disturb 5 &
DPID4=$!
disturb 6 &
DPID=$!
out=$TL_TMP/always.json
inA "$TCPLAB" probe "$ADDR_B" -p "$PORT" --state "$TL_TMP/probe2.json" --fresh --json >"$out" 2>"$TL_TMP/always.err" \
    || fail "probe (always disturbed): exit $?"
wait "$DPID4" "$DPID"
jq -c '.probe.rate | {bits_per_second, interval_p25_bps, interval_p75_bps, interval_max_bps, rejected_intervals, attempts, consistent, inconsistency}' "$out"
check "always disturbed: two measurements, flagged with the reason" \
    '.probe.rate.attempts == 2 and .probe.rate.consistent == false and (.probe.rate.inconsistency | length) > 0' "$out"
check "always disturbed: not remembered, and the JSON says why" \
    '.origin.saved == false and (.origin.save_error | test("disagreed"))' "$out"
grep -q "not remembered" "$TL_TMP/always.err" && pass "always disturbed: a warning on stderr" || fail "no warning: $(cat "$TL_TMP/always.err")"
if [ -s "$TL_TMP/probe2.json" ] && jq -e '.entries | length > 0' "$TL_TMP/probe2.json" >/dev/null 2>&1; then
    fail "always disturbed: the state file holds the flagged result"
else
    pass "always disturbed: the state file holds nothing"
fi
finish
