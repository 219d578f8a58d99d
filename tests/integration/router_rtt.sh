#!/usr/bin/env bash
# tcplab router between the middle namespace's two veths (router_lib.sh): the RTT between
# sender and receiver is the configured one within 0.3 ms at p50 (as testbed_rtt checks),
# `router set` changes it live, and `router status` reports both directions in JSON and text.
. "$(dirname "$0")/router_lib.sh"

rt_setup
rt_start --rtt 40ms --rate 100mbit
ping_near "$RCV" 40 && pass "ping p50 through the router for RTT 40ms (runs:$PING_SEEN ms)" ||
    fail "ping p50 for RTT 40ms off in every run:$PING_SEEN ms"

rt_set --rtt 10ms >"$TL_TMP/set.out" || fail "router set --rtt 10ms: exit $?"
grep -q "RTT 10ms" "$TL_TMP/set.out" && pass "set prints the new settings" || fail "set printed: $(cat "$TL_TMP/set.out")"
ping_near "$RCV" 10 && pass "ping p50 after set --rtt 10ms (runs:$PING_SEEN ms)" ||
    fail "ping p50 for RTT 10ms off in every run:$PING_SEEN ms"

rt_status --json >"$TL_TMP/st.json" || fail "status --json: exit $?"
check "status: the router's name, its interfaces and its options" \
    ".router.name == \"$RT_NAME\" and .router.in.name == \"$IF_IN\" and .router.out.name == \"$IF_OUT\" and .options.rtt == \"10ms\"" "$TL_TMP/st.json"
check "status: both directions carried the pings (20 + 20 each way at least)" \
    '.fwd.stats.pkts_out >= 40 and .rev.stats.pkts_out >= 40 and .fwd.rate_bps == 100000000' "$TL_TMP/st.json"
check "status: the ports are the two interfaces" \
    "([.ports[].name] | sort) == ([\"$IF_IN\", \"$IF_OUT\"] | sort)" "$TL_TMP/st.json"
rt_status >"$TL_TMP/st.txt" || fail "status: exit $?"
grep -q "^router $RT_NAME: pid $RT_PID, up .*, $IF_IN -> $IF_OUT" "$TL_TMP/st.txt" &&
    grep -q "^in->out .*100 Mbit/s" "$TL_TMP/st.txt" && grep -q "^out->in " "$TL_TMP/st.txt" &&
    pass "status in text: the header and both directions" || { fail "status text:"; cat "$TL_TMP/st.txt"; }
mode=$(stat -c %a "$TCPLAB_ROUTER_DIR/$RT_NAME/ctl.sock" 2>/dev/null)
[ -S "$TCPLAB_ROUTER_DIR/$RT_NAME/ctl.sock" ] && [ "${mode: -2}" = 00 ] &&
    pass "the control socket is \$TCPLAB_ROUTER_DIR/NAME/ctl.sock, owner only (mode $mode)" || fail "ctl.sock: mode '$mode'"

# A bad value in set is refused with its name, and changes nothing.
out=$(rt_set --aqm nosuch 2>&1) && fail "set --aqm nosuch was accepted"
echo "$out" | grep -q 'aqm' && [ "$(echo "$out" | wc -l)" = 1 ] && pass "set --aqm nosuch: one line naming it ($out)" || fail "set --aqm nosuch: $out"
# (Within 1 ms: what matters is that the RTT is still 10 ms, not 40 or none.)
ping_near "$RCV" 10 1 && pass "ping p50: the refused set changed nothing (runs:$PING_SEEN ms)" ||
    fail "ping p50 after a refused set:$PING_SEEN ms"

# A second router on the same interfaces, under another name, is refused, and so is a
# second one of the same name.
out=$(ip netns exec "$NS_M" "$TCPLAB" router --in "$IF_OUT" --out "$IF_IN" --name other$$ 2>&1) &&
    fail "a second router on the same interfaces started"
echo "$out" | grep -q "belongs to router $RT_NAME" && pass "a second router on them is refused: $out" || fail "second router: $out"
out=$(ip netns exec "$NS_M" "$TCPLAB" router --in "$IF_IN" --out "$IF_OUT" --name "$RT_NAME" 2>&1) &&
    fail "a second router of the same name started"
echo "$out" | grep -q "runs already (pid $RT_PID)" && pass "a second one of the same name is refused: $out" || fail "same name: $out"
[ ! -e "$TCPLAB_ROUTER_DIR/other$$" ] && pass "the refused one left no directory" || fail "other$$ left a directory"

rt_stop TERM
[ "$RT_RC" = 0 ] && pass "SIGTERM: the router exits 0" || fail "SIGTERM: exit $RT_RC"
[ ! -e "$TCPLAB_ROUTER_DIR/$RT_NAME" ] && pass "its state directory is gone" || fail "left $(ls "$TCPLAB_ROUTER_DIR/$RT_NAME")"
finish
