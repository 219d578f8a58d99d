#!/usr/bin/env bash
# Seed 001 on the userspace testbed: 100 Mbit/s, 100 ms RTT, a 1 BDP taildrop buffer.
#  - a 64 KiB receive buffer (SO_RCVBUF 64K at the receiver: the kernel doubles it to 128 KiB
#    and advertises part of that, about 80 KiB on 6.18) gives window / RTT, about 5-7 Mbit/s
#    ("without DRS, a receiver taking the default window size (64K) over a 100 mbs link
#    (100 ms RTT) gets only 7 mbs");
#  - stream --autotune (probe, then buffers sized from the BDP) reaches at least 90% of the
#    link in goodput terms: 0.9 x 100 Mbit/s x 1448 / 1514 (payload per Ethernet frame, which
#    is what the router counts), 86.1 Mbit/s.
. "$(dirname "$0")/testbed_lib.sh"
"$TCPLAB" testbed --help >/dev/null 2>&1 || { echo "skip: this tcplab has no testbed"; exit 77; }
export XDG_CACHE_HOME="$TL_TMP/cache"

T=p$$s
tb_up "$T" --rate 100mbit --rtt 100ms --buffer 1bdp --aqm taildrop
RCV=$(tb_addr "$T" rcv)
# Each run starts from the same state: without this the kernel remembers the ssthresh of the
# previous connection to the same host (tcp_metrics, the "retentive TCP" of seed 001) and the
# probe's slow-start losses would cut the next run's slow start short.
for h in snd1 rcv; do
    "$TCPLAB" testbed exec "$T" "$h" -- sysctl -qw net.ipv4.tcp_no_metrics_save=1 || fail "tcp_no_metrics_save in $h"
done
start_agent_in "$T" rcv
snd() { timeout 120 "$TCPLAB" testbed exec "$T" snd1 -- "$@"; }

# 1. A 64 KiB receive buffer. (TCP_WINDOW_CLAMP is not used: set by the agent on the accepted
# socket it did not hold the window to 64 KiB on 6.18.)
out=$TL_TMP/window64k.json
snd "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -t 5 -i 0 --rcvbuf 64K --json >"$out" || fail "64K rcvbuf: exit $?"
got=$(jq '.end.sum.bits_per_second' "$out")
wnd=$(jq '.end.streams[0].sender.tcp_info.snd_wnd' "$out")
echo "64 KiB SO_RCVBUF: $got bit/s, peer's window $wnd B, min RTT $(jq '.end.streams[0].sender.tcp_info.min_rtt' "$out") us"
check "64K rcvbuf: doubled to 128 KiB, and the advertised window fits in it" \
    '.end.streams[0].receiver.rcvbuf == 131072 and .end.streams[0].sender.tcp_info.snd_wnd <= 131072' "$out"
check "64K rcvbuf: 4 to 8 Mbit/s (64 KiB / 100 ms = 5.2; the seed saw 7)" \
    '.end.sum.bits_per_second > 4e6 and .end.sum.bits_per_second < 8e6' "$out"
check "64K rcvbuf: throughput = advertised window / RTT within 20%" \
    '.end.streams[0].sender.tcp_info as $t | ($t.snd_wnd * 8 / ($t.min_rtt / 1e6)) as $w | (.end.sum.bits_per_second - $w | fabs) <= 0.2 * $w' "$out"

# 2. --autotune: probe, size, run twice. The emulator forwards in userspace, so other work
# on this machine can stall it, during the probe as during the runs (a probe of 75 Mbit/s
# once, with the tuned run at 94.7); a second attempt, with a new probe, is allowed, and
# the checks below hold for the attempt kept.
out=$TL_TMP/autotune.json
want=$(awk 'BEGIN { printf "%.0f", 0.9 * 100e6 * 1448 / 1514 }')
for attempt in 1 2; do
    rm -f "$XDG_CACHE_HOME/tcplab/probe.json"
    snd "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -t 8 -O 2 -i 0 --autotune --json >"$out" 2>"$TL_TMP/autotune.err" \
        || fail "autotune: exit $? ($(cat "$TL_TMP/autotune.err"))"
    echo "autotune $attempt: probe $(jq '.autotune.probe.rate.bits_per_second' "$out") bit/s, min RTT $(jq '.autotune.probe.rtt.min_ns' "$out") ns;" \
         "choice $(jq -c '.autotune.choice | {flows, sndbuf, rcvbuf}' "$out");" \
         "kernel $(jq '.autotune.comparison.kernel_bits_per_second' "$out") bit/s, $(jq '.autotune.comparison.kernel_retransmits' "$out") retransmits;" \
         "tuned $(jq '.autotune.comparison.tuned_bits_per_second' "$out") bit/s, $(jq '.autotune.comparison.tuned_retransmits' "$out") retransmits;" \
         "load $(cut -d' ' -f1 /proc/loadavg)"
    jq -e ".autotune.tuned.end.sum.bits_per_second >= $want and
           (.autotune.probe.rate.bits_per_second - 95640000 | fabs) < 0.1 * 95640000" "$out" >/dev/null && break
done
check "autotune: the probe saw the 100 ms RTT (within 5 ms)" \
    '(.autotune.probe.rtt.min_ns - 100e6 | fabs) < 5e6' "$out"
check "autotune: the probe's rate is within 10% of the link's goodput (95.6 Mbit/s)" \
    '(.autotune.probe.rate.bits_per_second - 95640000 | fabs) < 0.1 * 95640000' "$out"
check "autotune: buffers sized from the BDP (window per flow >= 1 BDP of 100 Mbit/s x 100 ms x 1448/1514)" \
    '.autotune.advice.window_per_flow * .autotune.choice.flows >= 1195000' "$out"
check "autotune: tuned run reaches >= 90% of the link ($want bit/s goodput)" \
    ".autotune.tuned.end.sum.bits_per_second >= $want" "$out"
check "autotune: the tuned run used the chosen buffers" \
    '.autotune.choice as $c | [.autotune.tuned.end.streams[] | .receiver.rcvbuf == 2 * $c.rcvbuf and .sender.sndbuf == 2 * $c.sndbuf] | all' "$out"
check "autotune: the kernel run is reported beside it" '.autotune.kernel.end.sum.bits_per_second > 0' "$out"
finish
