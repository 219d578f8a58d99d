#!/usr/bin/env bash
# Goodput through tcplab router (three namespaces, router_lib.sh), as testbed_throughput
# checks the testbed: one long Cubic flow through a 1 BDP taildrop buffer gets within 3% of
# rate x 1448 / 1514 at 10 and 100 Mbit/s (tcplab serve + tcplab stream). Then CoDel with
# ECN keeps the queue near its 5 ms target, marking instead of dropping. A stream run on the
# router's host with --testbed NAME and TCPLAB_TESTBED_DIR=$TCPLAB_ROUTER_DIR embeds the
# router's series, as inside a testbed.
. "$(dirname "$0")/router_lib.sh"

rt_setup
rt_start --rate 10mbit --rtt 20ms --buffer 1bdp --aqm taildrop
ip netns exec "$NS_S" sysctl -qw net.ipv4.tcp_no_metrics_save=1 || fail "tcp_no_metrics_save"
start_agent_rcv
stream() {
    TCPLAB_TESTBED_DIR=$TCPLAB_ROUTER_DIR ip netns exec "$NS_S" "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" --testbed "$RT_NAME" "$@"
}
# An agent that honours net.ipv4.tcp_allowed_congestion_control refuses cubic when the host
# has taken it off that list (a host-wide setting this test does not change): skip then.
if ! stream -t 1 -i 0 --cc cubic --json >"$TL_TMP/probe.json" 2>/dev/null &&
    jq -r '.error // ""' "$TL_TMP/probe.json" | grep -q "is not allowed on this agent"; then
    echo "skip: $(jq -r .error "$TL_TMP/probe.json")"
    exit 77
fi
for rate in 10 100; do
    rt_set --rate ${rate}mbit >/dev/null || fail "set --rate ${rate}mbit"
    out=$TL_TMP/stream.$rate.json
    # A long flow: the first 2 s (slow start and its overshoot) are warm-up, not measured.
    check_goodput "$rate" "$out" stream -O 2 -t 10 -i 0 --cc cubic --json
    jq -e '.end.streams[0].sender.tcp_info.snd_mss == 1448' "$out" >/dev/null &&
        pass "${rate} Mbit/s: MSS 1448 (MTU-sized frames with timestamps)" || fail "MSS not 1448"
done
check "stream --json embeds the router's series of its window" \
    ".end.testbed.name == \"$RT_NAME\" and (.end.testbed.series | length) >= 80 and ([.end.testbed.series[].fwd.out_bps] | max) > 50e6" "$TL_TMP/stream.100.json"
rt_status --json >"$TL_TMP/st.json"
check "router: the flow filled the buffer and lost from it (taildrop)" '.fwd.stats.drops.queue_full > 0 and .fwd.stats.max_backlog_bytes > 0.5 * .fwd.queue.limit_bytes' "$TL_TMP/st.json"
check "router: no frame lost before the emulator, none truncated (offloads off: wire-sized frames)" \
    '([.ports[].rx_kernel_drops] | add) == 0 and .forwarder.no_buffer_drops == 0 and ([.ports[].rx_truncated] | add) == 0' "$TL_TMP/st.json"

# CoDel with ECN, changed live: the AQM marks CE instead of dropping, and the ECN sender
# keeps the queue near CoDel's 5 ms target (the 1 BDP buffer alone would allow 20 ms).
rt_set --rate 50mbit --aqm codel:ecn >/dev/null || fail "set --aqm codel:ecn"
ip netns exec "$NS_S" sysctl -qw net.ipv4.tcp_ecn=1 || fail "tcp_ecn in the sender"
# 8 s, not 4: slow start's overshoot ends in taildrop before CoDel's first 100 ms interval,
# so the marks come from Cubic's later probing (3 to 4 in a 4 s run).
stream -t 8 -i 0 --cc cubic --json >"$TL_TMP/ecn.json" ||
    fail "stream with ECN: exit $?: $(jq -r '.error // empty' "$TL_TMP/ecn.json" 2>/dev/null | head -c 300)"
rt_status --json >"$TL_TMP/st.json"
check_ecn_marks "$TL_TMP/ecn.json" "$TL_TMP/st.json"
check "ECN: the queue delay stayed near the 5 ms target (median of the test's periods under 10 ms)" \
    '[.end.testbed.series[] | select(.fwd.samples > 100) | .fwd.qdelay_p50_ns] | sort | length > 5 and .[length / 2 | floor] < 10000000' "$TL_TMP/ecn.json"

# In text, stream's table has the router's line, as under a testbed: frames out at most at
# the 50 Mbit/s configured (how much less depends on the machine's load over 3 s).
stream -t 3 -i 0 --cc cubic >"$TL_TMP/text.out" 2>&1 || fail "stream in text: exit $?"
line=$(grep "^Testbed $RT_NAME, senders -> receiver over the test:" "$TL_TMP/text.out")
mbit=$(echo "$line" | sed -n 's/.*test: \([0-9.]*\) Mbit\/s of frames out.*/\1/p')
if [ -n "$mbit" ] && awk -v m="$mbit" 'BEGIN { exit !(m > 0 && m <= 50.5) }'; then
    pass "stream's table: the router's line ($mbit Mbit/s of frames out)"
else
    fail "stream's table: no or wrong router line: $line"; tail -5 "$TL_TMP/text.out"
fi
rt_stop TERM
[ "$RT_RC" = 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $RT_RC"
finish
