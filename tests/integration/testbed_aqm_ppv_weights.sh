#!/usr/bin/env bash
# PPV with weights 2:1 between two sender hosts (a gold and a silver subscriber), each with
# one Cubic flow at 40 ms through 100 Mbit/s: the goodputs come out 2:1 within 10%, whatever
# the equal congestion controls would share on their own. Then live, the PV-PIE core.
. "$(dirname "$0")/testbed_lib.sh"

T=t$$w
tb_up "$T" --senders 2 --rate 100mbit --rtt 40ms --buffer 1bdp --aqm ppv:weights=2:1 --ppv-class host
RCV=$(tb_addr "$T" rcv)
for h in snd1 snd2; do
    "$TCPLAB" testbed exec "$T" $h -- sysctl -qw net.ipv4.tcp_no_metrics_save=1 || fail "tcp_no_metrics_save in $h"
done
start_agent_in "$T" rcv

# pair LABEL: one Cubic flow from each host at once; prints "snd1_bps snd2_bps ratio".
pair() {
    local a b
    "$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -O 3 -t 10 -i 0 --cc cubic --json >"$TL_TMP/$1.1.json" &
    a=$!
    "$TCPLAB" testbed exec "$T" snd2 -- "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -O 3 -t 10 -i 0 --cc cubic --json >"$TL_TMP/$1.2.json" &
    b=$!
    wait $a || fail "$1: the snd1 stream failed"
    wait $b || fail "$1: the snd2 stream failed"
    local x y
    x=$(jq '.end.sum.bits_per_second // 0' "$TL_TMP/$1.1.json")
    y=$(jq '.end.sum.bits_per_second // 0' "$TL_TMP/$1.2.json")
    awk -v x="$x" -v y="$y" 'BEGIN { printf "%.0f %.0f %.4f\n", x, y, (y > 0 ? x / y : 0) }'
}

for core in ppov pie; do
    [ $core = pie ] && { "$TCPLAB" testbed set "$T" --aqm ppv:core=pie,weights=2:1 >/dev/null || fail "set core=pie"; }
    pair $core >"$TL_TMP/pair.$core"; read -r g s r <"$TL_TMP/pair.$core"
    echo "$core: snd1 (weight 2) $g bit/s, snd2 (weight 1) $s bit/s, ratio $r"
    awk -v r="$r" 'BEGIN { exit !(r >= 1.8 && r <= 2.2) }' && pass "$core: shares $r : 1, within 10% of 2:1" ||
        fail "$core: shares $r : 1, not within 10% of 2:1"
    awk -v g="$g" -v s="$s" 'BEGIN { exit !(g + s > 85e6) }' && pass "$core: the link stayed busy" ||
        fail "$core: only $g + $s bit/s in all"
done
tb_json "$T" >"$TL_TMP/st.json"
check "status: weights 2 and 1 for snd1 and snd2, the PV-PIE core, host classes" \
    '.fwd.queue.ppv.weights[0:2] == [2, 1] and .fwd.queue.ppv.core == "pie" and .fwd.queue.ppv.class == "host"' "$TL_TMP/st.json"
finish
