#!/usr/bin/env bash
# Configured loss gives the configured loss rate within its statistical bound (counted by the
# router: drops by cause "loss" / packets in), Gilbert-Elliott has its stationary mean, and
# the same seed repeats the same drops.
. "$(dirname "$0")/testbed_lib.sh"

N=20000
# flood N pings, 100 in flight; prints the router's [pkts_in, loss drops] of the fwd link
flood() {
    "$TCPLAB" testbed exec "$1" snd1 -- ping -n -q -f -l 100 -c "$N" -W 1 "$2" >/dev/null 2>&1
    tb_json "$1" | jq -c '[.fwd.stats.pkts_in, .fwd.stats.drops.loss, .rev.stats.drops.loss]'
}
# within P N COUNT: |COUNT/N - P| <= 4 sigma of a binomial (false alarm about 6e-5)
within() {
    awk -v p="$1" -v n="$2" -v k="$3" 'BEGIN { s = sqrt(p * (1 - p) / n); d = k / n - p; if (d < 0) d = -d; exit !(d <= 4 * s) }'
}

T=t$$l
tb_up "$T" --rtt 1ms --rate 1gbit --loss 1% --seed 7
RCV=$(tb_addr "$T" rcv)
r=$(flood "$T" "$RCV"); in=$(echo "$r" | jq '.[0]'); lost=$(echo "$r" | jq '.[1]')
[ "$in" -eq "$N" ] && pass "router counted the $N requests" || fail "router counted $in of $N"
within 0.01 "$in" "$lost" && pass "Bernoulli 1%: $lost of $in lost" || fail "Bernoulli 1%: $lost of $in lost"
[ "$(echo "$r" | jq '.[2]')" -eq 0 ] && pass "no loss on the way back (--rev-loss 0)" || fail "reverse loss $r"

# The same seed on a fresh testbed: the same packets are lost.
"$TCPLAB" testbed down "$T" >/dev/null
tb_up "$T" --rtt 1ms --rate 1gbit --loss 1% --seed 7
r2=$(flood "$T" "$RCV")
[ "$(echo "$r2" | jq '.[1]')" -eq "$lost" ] && pass "seed 7 again: the same $lost drops" || fail "seed 7 again: $r2 vs $r"

# Gilbert-Elliott p=1%, r=30%: mean loss p / (p + r) = 3.2%; bursts widen the bound, so 6 sigma.
U=t$$e
tb_up "$U" --rtt 1ms --rate 1gbit --loss ge:p=1%,r=30%
RCV=$(tb_addr "$U" rcv)
r=$(flood "$U" "$RCV"); in=$(echo "$r" | jq '.[0]'); lost=$(echo "$r" | jq '.[1]')
awk -v n="$in" -v k="$lost" 'BEGIN { m = 0.01 / 0.31; exit !(k / n > m * 0.7 && k / n < m * 1.3) }' &&
    pass "Gilbert-Elliott mean 3.2%: $lost of $in lost" || fail "Gilbert-Elliott: $lost of $in lost"
finish
