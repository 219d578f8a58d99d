#!/usr/bin/env bash
# DualPI2 (RFC 9332) on the testbed, 100 Mbit/s, 40 ms: four Cubic flows (Not-ECT: the
# classic queue) are held near the classic target of 15 ms (the median of the router's
# 100 ms periods over the last 10 s of 18, between 8 and 22 ms), while pings marked ECT(1)
# (the L4S codepoint), and only they, go through the L4S queue, without that delay.
# DCTCP is used too when this kernel has it.
. "$(dirname "$0")/testbed_lib.sh"

T=t$$d
tb_up "$T" --rate 100mbit --rtt 40ms --buffer 1bdp --aqm dualpi2
RCV=$(tb_addr "$T" rcv)
"$TCPLAB" testbed exec "$T" snd1 -- sysctl -qw net.ipv4.tcp_no_metrics_save=1 || fail "tcp_no_metrics_save"
start_agent_in "$T" rcv

"$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -P 4 -O 3 -t 15 -i 0 --cc cubic --json >"$TL_TMP/s.json" &
spid=$!
TL_PIDS+=("$spid")
sleep 8
# 40 pings each way of marking, interleaved in time, while the classic queue is loaded.
"$TCPLAB" testbed exec "$T" snd1 -- ping -n -c 40 -i 0.05 -Q 1 "$RCV" >"$TL_TMP/ping.l4s" 2>&1 &
p1=$!
"$TCPLAB" testbed exec "$T" snd1 -- ping -n -c 40 -i 0.05 "$RCV" >"$TL_TMP/ping.classic" 2>&1
wait $p1
wait "$spid" || fail "stream, 4 Cubic flows: exit $?"
"$TCPLAB" testbed status "$T" --json --series --since 18s >"$TL_TMP/ser.json"
tb_json "$T" >"$TL_TMP/st.json"
median() { sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' "$1" | sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "none" }'; }
l4s=$(median "$TL_TMP/ping.l4s")
classic=$(median "$TL_TMP/ping.classic")
# The last 10 s: the PI has settled by then (from p' = 0 it takes 3 to 5 s, Cubic's
# slow-start overshoot included). Periods with few packets are the stream's end.
win='[.series[-100:][] | select(.fwd.samples > 100)]'
qd=$(jq "$win | map(.fwd.qdelay_p50_ns) | sort | if length > 0 then .[length / 2 | floor] / 1e6 else -1 end" "$TL_TMP/ser.json")
busy=$(jq "$win | map(select(.fwd.out_bps >= 95e6)) | length" "$TL_TMP/ser.json")
periods=$(jq "$win | length" "$TL_TMP/ser.json")
echo "classic queue delay (median of the 100 ms periods' medians, last 10 s): $qd ms; the link busy (>= 95 Mbit/s) in $busy of $periods periods; ping RTT median: ECT(1) $l4s ms, Not-ECT $classic ms"
jq -c '.fwd.qdisc, .fwd.stats.pkts_out' "$TL_TMP/st.json"
jq -c '{goodput: .end.sum.bits_per_second, retrans: .end.sum.retransmits}' "$TL_TMP/s.json"

# Near the target: 8 to 22 ms, well under the 40 ms a taildrop of this 1 BDP buffer fills
# to. With RFC 9332's gains applied once per update (alpha 0.16, beta 3.2) the classic
# queue settles in 3 to 5 s. Measured 20 runs in a row under the measurement lock (load
# 1.0 to 4.2 at the start): all passed; the band was judged in 19, medians 12.9 to 14.9
# ms (pings: ECT(1) 40.1 to 40.2 ms, Not-ECT 51 to 56 ms); one run, started at load 14,
# had the link busy in 86 of 100 periods and gave 10.0 ms. The band is judged only when
# the senders kept the link busy in 90% of the periods: a starved sender (this scenario at
# idle priority beside builds, load 6 to 9: periods at 2 and 18 Mbit/s) sends in bursts,
# the proportional term swings p' to its clamp at 0 and back at each one, and the queue
# sat at 5 to 7 ms; then only the upper bound is asserted.
awk -v q="$qd" 'BEGIN { exit !(q > 0 && q <= 22) }' && pass "classic queue delay $qd ms, not above 22 ms (taildrop would fill to 40)" ||
    fail "classic queue delay $qd ms, not within (0, 22] ms"
if [ "$periods" -gt 0 ] && [ $((busy * 10)) -ge $((periods * 9)) ]; then
    awk -v q="$qd" 'BEGIN { exit !(q >= 8 && q <= 22) }' && pass "classic queue delay $qd ms, near the 15 ms target (8 to 22 ms)" ||
        fail "classic queue delay $qd ms, not within 8 to 22 ms of the 15 ms target"
else
    echo "note: the link was busy in only $busy of $periods periods (senders starved, load $(cut -d' ' -f1 /proc/loadavg)): the 8 ms lower bound is not judged (goodput $(jq '.end.sum.bits_per_second / 1e6 | floor' "$TL_TMP/s.json") Mbit/s)"
fi
check "the classic queue dropped (Cubic without ECN), and p' rose above 0" \
    '.fwd.stats.drops.aqm > 0 and .fwd.qdisc.classic.drops == .fwd.stats.drops.aqm' "$TL_TMP/st.json"
check "the series carries both queues and the probabilities" \
    '[.series[].fwd.aqm | select(.p_base > 0)] | length > 20' "$TL_TMP/ser.json"
# The 40 ECT(1) echo requests, and nothing else on the way in, went through the L4S queue.
check "classification: the L4S queue sent the 40 ECT(1) pings (and nothing else), the classic queue the rest" \
    '.fwd.qdisc.l4s.pkts_out == 40 and .fwd.qdisc.classic.pkts_out > 10000' "$TL_TMP/st.json"
# ECT(1) packets skip the classic queue: by the router's own clock (the pings' RTTs are
# printed, not asserted: with the load at 28 both kinds once came back 28 ms late), the
# L4S queue's mean sojourn stays under the 1 ms step and under the classic queue's.
check "the L4S queue's mean sojourn is under 1 ms and under the classic queue's (pings: ECT(1) $l4s ms, Not-ECT $classic ms)" \
    '.fwd.qdisc.l4s.sojourn_mean_ns < 1000000 and .fwd.qdisc.l4s.sojourn_mean_ns < .fwd.qdisc.classic.sojourn_mean_ns' "$TL_TMP/st.json"
"$TCPLAB" testbed status "$T" | grep -q "^snd->rcv dualpi2: p' " && pass "status text: the DualPI2 line" ||
    { fail "status text: no DualPI2 line"; "$TCPLAB" testbed status "$T" | head -12; }

# DCTCP may be a module that is not loaded yet (this test's root may load it; the host keeps
# it loaded, as any use of the module would).
grep -qw dctcp /proc/sys/net/ipv4/tcp_available_congestion_control ||
    { command -v modprobe >/dev/null && modprobe -q tcp_dctcp 2>/dev/null; } || true
if grep -qw dctcp /proc/sys/net/ipv4/tcp_available_congestion_control; then
    "$TCPLAB" testbed exec "$T" snd1 -- sysctl -qw net.ipv4.tcp_ecn=1 || fail "tcp_ecn"
    "$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -t 5 -i 0 --cc dctcp --json >"$TL_TMP/dctcp.json" ||
        fail "DCTCP stream: exit $?"
    tb_json "$T" >"$TL_TMP/st2.json"
    check "DCTCP (ECT(0), the classic queue): marked, not dropped, once ECN is on" \
        '.fwd.qdisc.classic.marks > 0' "$TL_TMP/st2.json"
else
    echo "note: no dctcp in this kernel ($(cat /proc/sys/net/ipv4/tcp_available_congestion_control)); the DCTCP part is skipped"
fi
finish
