#!/usr/bin/env bash
# One long Cubic flow through a 1 BDP taildrop buffer gets within 3% of the goodput the rate
# allows, rate x 1448 / 1514 (payload with TCP timestamps / the Ethernet frame the router
# counts), at 10 and 100 Mbit/s; measured with the real tcplab stream and serve. Then CoDel
# with ECN marks instead of drops.
. "$(dirname "$0")/testbed_lib.sh"

T=t$$g
tb_up "$T" --rate 10mbit --rtt 20ms --buffer 1bdp --aqm taildrop
RCV=$(tb_addr "$T" rcv)
# Every flow starts afresh: no ssthresh cached from the previous flow (the 10 Mbit/s one
# would hold the 100 Mbit/s one back for seconds). A sysctl of the sender's own namespace.
"$TCPLAB" testbed exec "$T" snd1 -- sysctl -qw net.ipv4.tcp_no_metrics_save=1 || fail "tcp_no_metrics_save"
start_agent_in "$T" rcv
for rate in 10 100; do
    "$TCPLAB" testbed set "$T" --rate ${rate}mbit >/dev/null || fail "set --rate ${rate}mbit"
    out=$TL_TMP/stream.$rate.json
    # A long flow: the first 2 s (slow start and its overshoot) are warm-up, not measured.
    check_goodput "$rate" "$out" "$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -O 2 -t 10 -i 0 --cc cubic --json
    jq -e '.end.streams[0].sender.tcp_info.snd_mss == 1448' "$out" >/dev/null &&
        pass "${rate} Mbit/s: MSS 1448 (MTU-sized frames with timestamps)" || fail "MSS not 1448"
done
# Run through 'testbed exec', stream embeds what the router saw during its window.
check "stream --json embeds the router's series of its window (testbed exec sets TCPLAB_TESTBED)" \
    ".end.testbed.name == \"$T\" and (.end.testbed.series | length) >= 80 and (.end.testbed.series | length) <= 110 and ([.end.testbed.series[].fwd.out_bps] | max) > 50e6" "$TL_TMP/stream.100.json"
tb_json "$T" >"$TL_TMP/st.json"
check "router: the flow filled the buffer and lost from it (taildrop)" '.fwd.stats.drops.queue_full > 0 and .fwd.stats.max_backlog_bytes > 0.5 * .fwd.queue.limit_bytes' "$TL_TMP/st.json"
check "router: no frame lost before the emulator" '([.ports[].rx_kernel_drops] | add) == 0 and .forwarder.no_buffer_drops == 0' "$TL_TMP/st.json"

# CoDel with ECN: the AQM marks CE instead of dropping, the forwarder rewrites the header,
# and the ECN sender keeps the queue near CoDel's 5 ms target. 8 s, not 4:
# slow start's overshoot ends in taildrop before CoDel's first 100 ms interval, so the marks
# come from Cubic's later probing: 3 to 4 in a 4 s run, and one 4 s run in 17 failed here.
"$TCPLAB" testbed set "$T" --rate 50mbit --aqm codel:ecn >/dev/null || fail "set --aqm codel:ecn"
"$TCPLAB" testbed exec "$T" snd1 -- sysctl -qw net.ipv4.tcp_ecn=1 || fail "tcp_ecn in snd1"
"$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -t 8 -i 0 --cc cubic --json >"$TL_TMP/ecn.json" ||
    fail "stream with ECN: exit $?"
tb_json "$T" >"$TL_TMP/st.json"
"$TCPLAB" testbed status "$T" --json --series --since 3s >"$TL_TMP/ser.json"
check_ecn_marks "$TL_TMP/ecn.json" "$TL_TMP/st.json"
check "ECN: the queue delay stayed near the 5 ms target (median of the last 3 s under 10 ms)" \
    '[.series[] | select(.fwd.samples > 100) | .fwd.qdelay_p50_ns] | sort | length > 5 and .[length / 2 | floor] < 10000000' "$TL_TMP/ser.json"

# The table under a stream run inside the testbed says what the bottleneck did: the rate
# of frames out (at most the 50 Mbit/s configured), and the marks CoDel made.
"$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -t 3 -i 0 --cc cubic >"$TL_TMP/text.out" 2>&1 ||
    fail "stream in text: exit $?"
line=$(grep "^Testbed $T, senders -> receiver over the test:" "$TL_TMP/text.out")
mbit=$(echo "$line" | sed -n 's/.*test: \([0-9.]*\) Mbit\/s of frames out.*/\1/p')
marks=$(echo "$line" | sed -n 's/.* \([0-9]*\) ECN marks$/\1/p')
if [ -n "$mbit" ] && awk -v m="$mbit" 'BEGIN { exit !(m > 25 && m <= 50.5) }' && [ "${marks:-0}" -gt 0 ]; then
    pass "stream's table: the testbed line ($mbit Mbit/s of frames out, $marks ECN marks)"
else
    fail "stream's table: no or wrong testbed line: $line"; tail -5 "$TL_TMP/text.out"
fi
finish
