#!/usr/bin/env bash
# PPV between two sender hosts, the users' mixed case: snd1 runs Cubic at 10 ms, snd2 BBR at
# 100 ms, through 100 Mbit/s with a 1 BDP buffer (of the largest RTT). Taildrop first, then
# PPV with one class per host (same buffer) under each core, PPOV and PV-PIE: each one's
# Jain's index between the two hosts' goodputs must beat taildrop's by at least 0.1. All
# three indexes are printed, and whether each reaches the 0.9 the users' study reports.
#
# Why PPOV misses the 0.9: it drops only when the buffer is full, so the queue stands at
# the buffer's 100 ms and Cubic, at 10 ms of its own, runs at 110 ms; BBR (v1 here) sends
# at the rate its model says whatever the queue and its losses, and Cubic, which would
# need a loss rate under about 1e-5 to fill 50 Mbit/s at 110 ms, stays at 20 to 38 Mbit/s.
# PV-PIE holds the queue near its 20 ms target and Cubic gets 33 to 40 Mbit/s. With 12 s
# windows: on a quiet host (11 runs) taildrop 0.53 to 0.68, PPOV 0.75 to 0.97 (3 at 0.9 or
# more), PV-PIE 0.917 to 0.973; at load 9 to 16 (20 runs) taildrop 0.53 to 0.66, PPOV 0.72 to
# 0.96 (5 at 0.9), PV-PIE 0.908 to 0.980. PV-PIE's 0.9 (the users' claim) is asserted, over
# a 20 s window so that its spread stays clear of the bound; PPOV's is printed.
. "$(dirname "$0")/testbed_lib.sh"

T=t$$v
tb_up "$T" --senders 2 --rate 100mbit --rtt 10ms,100ms --buffer 1bdp --aqm taildrop
RCV=$(tb_addr "$T" rcv)
for h in snd1 snd2; do
    "$TCPLAB" testbed exec "$T" $h -- sysctl -qw net.ipv4.tcp_no_metrics_save=1 || fail "tcp_no_metrics_save in $h"
done
start_agent_in "$T" rcv

# pair LABEL SECONDS: Cubic from snd1 and BBR from snd2 at once, 3 s warm-up then SECONDS measured;
# writes "cubic_bps bbr_bps jain" to $TL_TMP/pair.LABEL.
pair() {
    local try a b ra rb x y
    # A stream that fails (the agent's results late on a loaded machine) is not a result:
    # the pair runs once more. A pair that ran is never repeated, whatever its figures.
    for try in 1 2; do
        "$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -O 3 -t "$2" -i 0 --cc cubic --json >"$TL_TMP/$1.cubic.json" 2>"$TL_TMP/$1.cubic.err" &
        a=$!
        "$TCPLAB" testbed exec "$T" snd2 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -O 3 -t "$2" -i 0 --cc bbr --json >"$TL_TMP/$1.bbr.json" 2>"$TL_TMP/$1.bbr.err" &
        b=$!
        wait $a; ra=$?
        wait $b; rb=$?
        [ $ra -eq 0 ] && [ $rb -eq 0 ] && break
        echo "note: $1, run $try: a stream failed (snd1 exit $ra, snd2 exit $rb: $(cat "$TL_TMP/$1.cubic.err" "$TL_TMP/$1.bbr.err" | tail -1))"
    done
    [ $ra -eq 0 ] || fail "$1: the snd1 stream failed twice"
    [ $rb -eq 0 ] || fail "$1: the snd2 stream failed twice"
    x=$(jq '.end.sum.bits_per_second // 0' "$TL_TMP/$1.cubic.json" 2>/dev/null || echo 0)
    y=$(jq '.end.sum.bits_per_second // 0' "$TL_TMP/$1.bbr.json" 2>/dev/null || echo 0)
    awk -v x="$x" -v y="$y" 'BEGIN { j = (x + y) > 0 ? (x + y) ^ 2 / (2 * (x * x + y * y)) : 0; printf "%.0f %.0f %.4f\n", x, y, j }' >"$TL_TMP/pair.$1"
}

# round: taildrop, PPOV and PV-PIE in turn, each pair measured once.
round() {
    "$TCPLAB" testbed set "$T" --aqm taildrop >/dev/null || fail "set --aqm taildrop"
    pair taildrop 12; read -r td_c td_b td_j <"$TL_TMP/pair.taildrop"
    echo "taildrop:     Cubic (10 ms) $td_c bit/s, BBR (100 ms) $td_b bit/s, Jain's index $td_j"
    "$TCPLAB" testbed set "$T" --aqm ppv --ppv-class host >/dev/null || fail "set --aqm ppv --ppv-class host"
    pair ppov 12; read -r pv_c pv_b pv_j <"$TL_TMP/pair.ppov"
    echo "ppv (PPOV):   Cubic (10 ms) $pv_c bit/s, BBR (100 ms) $pv_b bit/s, Jain's index $pv_j"
    tb_json "$T" >"$TL_TMP/st.ppov.json"
    jq -c '.fwd.qdisc | {threshold_value, classes: [.classes[] | {class, share, drops}]}' "$TL_TMP/st.ppov.json"
    "$TCPLAB" testbed set "$T" --aqm ppv:core=pie --ppv-class host >/dev/null || fail "set --aqm ppv:core=pie --ppv-class host"
    pair pvpie 20; read -r pp_c pp_b pp_j <"$TL_TMP/pair.pvpie"
    echo "ppv (PV-PIE): Cubic (10 ms) $pp_c bit/s, BBR (100 ms) $pp_b bit/s, Jain's index $pp_j"
    tb_json "$T" >"$TL_TMP/st.json"
    jq -c '.fwd.qdisc | {threshold_value, classes: [.classes[] | {class, share, drops}]}' "$TL_TMP/st.json"
}
# The bounds sit inside the spread of single runs (taildrop's highest 0.68 against PPOV's
# lowest 0.72, PV-PIE's lowest 0.908): a round that misses one is run once more, and the
# second round's figures are the ones asserted. A discipline that did not work misses in
# both (PPOV acting as taildrop beats it by 0.1 in few single runs, never in two running).
misses() {
    awk -v td="$td_j" -v pv="$pv_j" -v pp="$pp_j" 'BEGIN { exit !(pv - td < 0.1 || pp - td < 0.1 || pp < 0.9) }'
}
round
if misses; then
    echo "note: a bound missed in the first round (taildrop $td_j, PPOV $pv_j, PV-PIE $pp_j): a second round"
    round
fi

# The comparison needs a congested bottleneck: when the two hosts together moved under
# 70 Mbit/s in any run, a sender did not keep the link busy (seen once, with the load at
# 50: BBR's host sent 2 to 6 Mbit/s in both runs) and the indexes say nothing about the
# disciplines. That is reported as a skip, never as a pass.
if ! awk -v a="$td_c" -v b="$td_b" -v c="$pv_c" -v d="$pv_b" -v e="$pp_c" -v f="$pp_b" \
    'BEGIN { exit !(a + b >= 70e6 && c + d >= 70e6 && e + f >= 70e6) }'; then
    echo "skip: the bottleneck was not congested (taildrop $(( (td_c + td_b) / 1000000 )), PPOV $(( (pv_c + pv_b) / 1000000 )), PV-PIE $(( (pp_c + pp_b) / 1000000 )) Mbit/s in all; load $(cut -d' ' -f1 /proc/loadavg)): no comparison"
    exit 77
fi
awk -v p="$pv_j" -v t="$td_j" 'BEGIN { exit !(p - t >= 0.1) }' && pass "PPOV's index $pv_j beats taildrop's $td_j by 0.1 or more" ||
    fail "PPOV's index $pv_j does not beat taildrop's $td_j by 0.1"
awk -v p="$pp_j" -v t="$td_j" 'BEGIN { exit !(p - t >= 0.1) }' && pass "PV-PIE's index $pp_j beats taildrop's $td_j by 0.1 or more" ||
    fail "PV-PIE's index $pp_j does not beat taildrop's $td_j by 0.1"
awk -v j="$pp_j" 'BEGIN { exit !(j >= 0.9) }' && pass "PV-PIE's index $pp_j reaches the study's 0.9" ||
    fail "PV-PIE's index $pp_j is below the study's 0.9 (load $(cut -d' ' -f1 /proc/loadavg))"
awk -v j="$pv_j" 'BEGIN { exit !(j >= 0.9) }' && echo "note: PPOV's index $pv_j reaches 0.9" ||
    echo "note: PPOV's index $pv_j is below 0.9 (its full 100 ms buffer holds Cubic back; see the top)"
check "PPV: the router's classes are the two sender hosts" \
    '[.fwd.qdisc.classes[].class] | sort == ["snd1", "snd2"]' "$TL_TMP/st.json"
check "PPV: per-class drops by value add up to the PPV drops" \
    '(.fwd.qdisc.drops_by_value | add) == ([.fwd.qdisc.classes[].drops] | add)' "$TL_TMP/st.json"
"$TCPLAB" testbed status "$T" | grep -q "^snd->rcv ppv: threshold value [0-9]* .*shares: snd" && pass "status text: the PPV line with shares" ||
    { fail "status text: no PPV line"; "$TCPLAB" testbed status "$T" | head -12; }
finish
