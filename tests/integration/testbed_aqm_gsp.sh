#!/usr/bin/env bash
# GSP on the testbed (100 Mbit/s, 40 ms, 1 BDP): four Cubic flows started together fill the
# buffer, and the router's own record shows at most one drop per interval (80 ms = 2 x RTT):
# the shortest gap between two GSP drops is at least the interval, and no 100 ms period of
# the series has more than two. Then adaptive and delay-based GSP, set live.
. "$(dirname "$0")/testbed_lib.sh"

T=t$$s
tb_up "$T" --rate 100mbit --rtt 40ms --buffer 1bdp --aqm gsp
RCV=$(tb_addr "$T" rcv)
"$TCPLAB" testbed exec "$T" snd1 -- sysctl -qw net.ipv4.tcp_no_metrics_save=1 || fail "tcp_no_metrics_save"
start_agent_in "$T" rcv

"$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -P 4 -t 8 -i 0 --cc cubic --json >"$TL_TMP/s1.json" ||
    fail "stream, 4 Cubic flows: exit $?"
tb_json "$T" >"$TL_TMP/st1.json"
"$TCPLAB" testbed status "$T" --json --series --since 9s >"$TL_TMP/ser1.json"
jq -c '{interval: .fwd.qdisc.interval_ns, signals: .fwd.qdisc.signals, min_gap: .fwd.qdisc.min_gap_ns, aqm: .fwd.stats.drops.aqm, full: .fwd.stats.drops.queue_full}' "$TL_TMP/st1.json"
check "basic GSP: interval 2 x RTT = 80 ms, and it dropped (4 flows filled the queue)" \
    '.fwd.qdisc.interval_ns == 80000000 and .fwd.qdisc.signals >= 3 and .fwd.stats.drops.aqm == .fwd.qdisc.signals' "$TL_TMP/st1.json"
check "basic GSP: the shortest gap between two drops is at least the interval" \
    '.fwd.qdisc.min_gap_ns >= .fwd.qdisc.interval_ns' "$TL_TMP/st1.json"
# Counters in the series are totals since up: the drops of each 100 ms period.
check "basic GSP: no 100 ms period of the router's series has more than 2 GSP drops" \
    '[.series as $s | range(1; $s | length) | $s[.].fwd.drops.aqm - $s[. - 1].fwd.drops.aqm] | length > 50 and max <= 2' "$TL_TMP/ser1.json"
check "basic GSP: the series carries GSP's state" '[.series[].fwd.aqm.interval_ns] | length > 50 and min == 80000000' "$TL_TMP/ser1.json"
# Not a utilisation claim (this machine's two CPUs are shared with other builds and tests):
# only that the flows ran; the goodput is printed.
check "4 Cubic flows ran ($(jq '.end.sum.bits_per_second / 1e6 | floor' "$TL_TMP/s1.json") Mbit/s of goodput)" '.end.sum.bits_per_second > 20e6' "$TL_TMP/s1.json"

# Adaptive, live: the interval never goes below presetInt / (1 + maxTime / tau) = 16 ms, and
# the gaps between drops respect the interval in force.
"$TCPLAB" testbed set "$T" --aqm gsp:adaptive >/dev/null || fail "set --aqm gsp:adaptive"
before=$(jq '.fwd.qdisc.signals' "$TL_TMP/st1.json")
"$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -P 4 -t 5 -i 0 --cc cubic --json >"$TL_TMP/s2.json" ||
    fail "stream under adaptive GSP: exit $?"
"$TCPLAB" testbed status "$T" --json --series --since 6s >"$TL_TMP/ser2.json"
tb_json "$T" >"$TL_TMP/st2.json"
jq -c '{interval: .fwd.qdisc.interval_ns, cumul: .fwd.qdisc.cumul_ns, signals: .fwd.qdisc.signals, mode: .fwd.queue.gsp.mode}' "$TL_TMP/st2.json"
check "adaptive GSP is in force and dropped again" ".fwd.queue.gsp.mode == \"adaptive\" and .fwd.qdisc.signals > $before" "$TL_TMP/st2.json"
check "adaptive GSP: every interval in the series within [16 ms, 80 ms]" \
    '[.series[].fwd.aqm.interval_ns] | length > 30 and min >= 16000000 and max <= 80000000' "$TL_TMP/ser2.json"
check "adaptive GSP: the shortest gap between two drops is at least 16 ms" '.fwd.qdisc.min_gap_ns >= 16000000' "$TL_TMP/st2.json"

# Delay-based, live, with stream's table: the testbed note names GSP's interval.
"$TCPLAB" testbed set "$T" --aqm gsp:delay,threshold=5ms >/dev/null || fail "set --aqm gsp:delay"
"$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -P 4 -t 4 -i 0 --cc cubic >"$TL_TMP/s3.out" 2>&1 ||
    fail "stream under delay-based GSP: exit $?"
line=$(grep "^Testbed $T, GSP: interval" "$TL_TMP/s3.out")
[ -n "$line" ] && pass "stream's table: $line" || { fail "stream's table has no GSP line"; tail -6 "$TL_TMP/s3.out"; }
tb_json "$T" >"$TL_TMP/st3.json"
check "delay-based GSP: threshold 5 ms, interval back at 80 ms" \
    '.fwd.queue.gsp.mode == "delay" and .fwd.qdisc.threshold == 5000000 and .fwd.qdisc.interval_ns == 80000000' "$TL_TMP/st3.json"
"$TCPLAB" testbed status "$T" | grep -q "^snd->rcv gsp: interval 80 ms" && pass "status text: the GSP line" ||
    { fail "status text: no GSP line"; "$TCPLAB" testbed status "$T" | head -12; }
finish
