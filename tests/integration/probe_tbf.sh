#!/usr/bin/env bash
# tcplab probe and stream --autotune on a path shaped by the kernel's own tbf qdisc: two
# network namespaces made here, joined by a veth pair, tbf rate 100mbit on the sender's egress.
# tcplab serve runs in the receiver's namespace, the probe in the sender's.
#
# What the rate is compared with: tbf charges each packet its skb length at the qdisc, which
# on a veth is the Ethernet frame without preamble and FCS: MTU + 14 bytes for a full segment
# (checked below from tbf's own counters). The probe reports goodput, the payload the receiver
# read: snd_mss bytes per full frame. So the expected goodput is 100 Mbit/s x mss / (MTU + 14),
# 95.64 Mbit/s for mss 1448 and MTU 1500, and the probe must be within 5% of that.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for ip netns"; exit 77; }
command -v jq >/dev/null || { echo "skip: needs jq"; exit 77; }
command -v tc >/dev/null || { echo "skip: needs tc (iproute2)"; exit 77; }

NS_A="tl-probe-a-$$"   # sender: the probe and the client of stream
NS_B="tl-probe-b-$$"   # receiver: the agent
VA="tlpa$$"
VB="tlpb$$"
NETS_MADE=()
probe_cleanup() {
    tl_cleanup
    local n
    for n in "${NETS_MADE[@]}"; do ip netns del "$n" 2>/dev/null; done
}
trap probe_cleanup EXIT

# tbf releases a packet held by its token bucket from a timer; on a VM whose idle vCPUs halt
# that timer fires late (measured here: 78-89 Mbit/s of the 95.64 expected in 3 probes), so
# the test holds the CPUs' wake-up latency at 0 while it runs, as the testbed's forwarder
# does. The kernel drops the request when fd 9 closes, at the latest when this script exits.
[ -w /dev/cpu_dma_latency ] && exec 9>/dev/cpu_dma_latency && printf 0 >&9

ip netns add "$NS_A" || { echo "skip: ip netns add failed"; exit 77; }
NETS_MADE+=("$NS_A")
ip netns add "$NS_B" || exit 1
NETS_MADE+=("$NS_B")
ip link add "$VA" netns "$NS_A" type veth peer name "$VB" netns "$NS_B" || exit 1
ip -n "$NS_A" addr add 10.203.0.1/24 dev "$VA"
ip -n "$NS_B" addr add 10.203.0.2/24 dev "$VB"
for n in "$NS_A" "$NS_B"; do ip -n "$n" link set lo up; done
ip -n "$NS_A" link set "$VA" up
ip -n "$NS_B" link set "$VB" up
ip netns exec "$NS_A" tc qdisc add dev "$VA" root tbf rate 100mbit burst 32kbit latency 50ms || {
    echo "skip: tbf qdisc not available"; exit 77; }
MTU=$(ip -n "$NS_A" -j link show dev "$VA" | jq '.[0].mtu')

pf="$TL_TMP/port"
ip netns exec "$NS_B" "$TCPLAB" serve --no-auth --bind 10.203.0.2 --port 0 --port-file "$pf" \
    >"$TL_TMP/agent.out" 2>"$TL_TMP/agent.log" &
TL_PIDS+=("$!")
for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
[ -s "$pf" ] || { echo "agent did not start:"; cat "$TL_TMP/agent.log"; exit 1; }
PORT=$(cat "$pf")
# Everything (probe, stream --autotune) uses the state file under the test's own directory.
export XDG_CACHE_HOME="$TL_TMP/cache"
STATE="$XDG_CACHE_HOME/tcplab/probe.json"
inA() { timeout 120 ip netns exec "$NS_A" "$@"; }

# 1. The probe, measured. Other work on this machine can starve the sender or the agent of
# CPU for part of a probe (the probe then says "limited by app" or reads low), so up to
# three probes are made and one must be within 5%; a systematic error fails all three.
out=$TL_TMP/probe1.json
for attempt in 1 2 3; do
    inA "$TCPLAB" probe 10.203.0.2 -p "$PORT" --state "$STATE" --fresh --json >"$out" 2>"$TL_TMP/probe1.err" \
        || fail "probe: exit $? ($(cat "$TL_TMP/probe1.err"))"
    mss=$(jq '.probe.rate.mss' "$out")
    rate=$(jq '.probe.rate.bits_per_second' "$out")
    expect=$(jq -n --argjson mss "$mss" --argjson mtu "$MTU" '100000000 * $mss / ($mtu + 14)')
    echo "probe $attempt: goodput $rate bit/s, expected $expect bit/s (100 Mbit/s x $mss / ($MTU + 14));" \
         "delivery rate $(jq '.probe.rate.delivery_rate_bps' "$out"), min RTT $(jq '.probe.rtt.min_ns' "$out") ns," \
         "limited by $(jq -r '.probe.rate.limited_by' "$out") $(jq '.probe.rate.limited_share' "$out"), load $(cut -d' ' -f1 /proc/loadavg)"
    jq -e "(.probe.rate.bits_per_second - $expect | fabs) <= 0.05 * $expect" "$out" >/dev/null && break
done
check "probe: MSS is the full-frame payload (MTU $MTU - 52 with timestamps)" ".probe.rate.mss == $MTU - 52" "$out"
check "probe: goodput within 5% of 100 Mbit/s x mss/(MTU+14)" \
    "(.probe.rate.bits_per_second - $expect | fabs) <= 0.05 * $expect" "$out"
# On an idle host the flows are limited by the network; on a loaded one the sender may be
# CPU-bound ("app"), and the report must then call the rate a lower bound.
check "probe: a rate not limited by the network is flagged as a lower bound" \
    '.probe.rate.lower_bound == (.probe.rate.limited_by != "network" and .probe.rate.limited_by != "unknown")' "$out"
check "probe: min RTT measured and no larger than the smoothed and loaded RTT" \
    '.probe.rtt | .min_ns > 0 and .min_ns <= .smoothed_ns and .min_ns <= .loaded_ns and .min_ns <= .rr_min_ns' "$out"
check "probe: loss figures consistent" \
    '.probe.loss | .bytes_sent > 0 and .ratio >= 0 and .ratio < 0.5 and (.ratio - (.bytes_retrans / .bytes_sent) | fabs) < 1e-9' "$out"
check "probe: BDP = rate x min RTT / 8 (rounded up)" \
    '(.probe.rate.bits_per_second * .probe.rtt.min_ns / 8e9 | ceil) as $b | (.advice.bdp_bytes - $b | fabs) <= 1' "$out"
check "advice: requests are half the memory (the kernel doubles them), within this host's limits" \
    '.advice | .sndbuf_effective == 2 * .sndbuf_request and .rcvbuf_effective == 2 * .rcvbuf_request and .explicit.ok and .flows >= 1' "$out"
check "probe: measured now and remembered" '.origin.from_cache == false and .origin.saved == true' "$out"

# tbf's own counters around 50 full-size packets (ICMP echo of 1472 bytes: IP packets of
# exactly the MTU): the bytes it charges per packet include the 14-byte Ethernet header.
tcstat() { ip netns exec "$NS_A" tc -s -j qdisc show dev "$VA" | jq -r ".[0].$1"; }
b0=$(tcstat bytes); p0=$(tcstat packets)
ip netns exec "$NS_A" ping -q -n -c 50 -i 0.01 -s $((MTU - 28)) 10.203.0.2 >/dev/null || fail "ping through tbf"
b1=$(tcstat bytes); p1=$(tcstat packets)
avg=$(( (b1 - b0) / (p1 - p0) ))
echo "tbf: $((b1 - b0)) bytes charged for $((p1 - p0)) packets of IP length $MTU: $avg per packet"
[ "$avg" -gt "$MTU" ] && [ "$avg" -le $((MTU + 14)) ] \
    && pass "tbf charges the L2 frame: $avg bytes per $MTU-byte IP packet" \
    || fail "tbf charged $avg bytes per $MTU-byte IP packet, not in ($MTU, $MTU + 14]"

# 2. Remembered: the same numbers, from the state file, without measuring.
out2=$TL_TMP/probe2.json
t0=$(date +%s%N)
inA "$TCPLAB" probe 10.203.0.2 -p "$PORT" --state "$STATE" --json >"$out2" || fail "probe (cached): exit $?"
t1=$(date +%s%N)
check "probe again: taken from the state file" '.origin.from_cache == true and .origin.age_s <= 60' "$out2"
[ "$(jq '.probe.rate.bits_per_second' "$out2")" = "$rate" ] && pass "probe again: same rate" || fail "probe again: rate differs"
[ $(( (t1 - t0) / 1000000 )) -lt 1000 ] && pass "probe again: no measurement (under 1 s)" || fail "probe again took $(( (t1 - t0) / 1000000 )) ms"

# 3. --max-age: a result older than it is measured again; --fresh always measures.
sleep 2
out3=$TL_TMP/probe3.json
inA "$TCPLAB" probe 10.203.0.2 -p "$PORT" --state "$STATE" --max-age 1s --json >"$out3" || fail "probe --max-age: exit $?"
check "probe --max-age 1s after 2 s: measured again" '.origin.from_cache == false and .origin.saved' "$out3"
check "probe --max-age: a new measurement" ".probe.measured_at > $(jq '.probe.measured_at' "$out") and .probe.rate.bits_per_second > 0" "$out3"
out4=$TL_TMP/probe4.json
inA "$TCPLAB" probe 10.203.0.2 -p "$PORT" --state "$STATE" --fresh -P 1 -t 2s --json >"$out4" || fail "probe --fresh: exit $?"
echo "probe -P 1: $(jq '.probe.rate.bits_per_second' "$out4") bit/s (intervals $(jq '.probe.rate.interval_p25_bps' "$out4") .. $(jq '.probe.rate.interval_p75_bps' "$out4"))"
check "probe --fresh -P 1 -t 2s: measured with one flow for 2 s" \
    '.origin.from_cache == false and .probe.rate.flows == 1 and .probe.rate.window_ns >= 1900000000 and .probe.rate.window_ns < 2200000000' "$out4"

# 4. The readable report.
inA "$TCPLAB" probe 10.203.0.2 -p "$PORT" --state "$STATE" >"$TL_TMP/report.txt" || fail "probe report: exit $?"
for want in "remembered from" "min RTT" "rate " "BDP" "SO_SNDBUF" "SO_RCVBUF" "with SO_\*BUF" "autotuning"; do
    grep -q "$want" "$TL_TMP/report.txt" && pass "report has \"$want\"" || fail "report lacks \"$want\""
done

# 5. A spoilt state file: an error that names the file and the fix; nothing measured.
cp "$STATE" "$TL_TMP/good.json"
echo '{"tcplab_probe_cache": 1, "entries": {' >"$STATE"
inA "$TCPLAB" probe 10.203.0.2 -p "$PORT" --state "$STATE" >/dev/null 2>"$TL_TMP/corrupt.err"
rc=$?
[ $rc -eq 3 ] && pass "corrupt state file: exit 3" || fail "corrupt state file: exit $rc"
grep -q "$STATE" "$TL_TMP/corrupt.err" && grep -q "rm $STATE" "$TL_TMP/corrupt.err" \
    && pass "corrupt state file: message names the file and the fix" \
    || fail "corrupt state file message: $(cat "$TL_TMP/corrupt.err")"
cp "$TL_TMP/good.json" "$STATE"

# 6. stream --autotune on the same path: both runs, the choice, side by side.
out5=$TL_TMP/autotune.json
inA "$TCPLAB" stream 10.203.0.2 -p "$PORT" --autotune -t 2 --json >"$out5" 2>"$TL_TMP/autotune.err" \
    || fail "stream --autotune: exit $? ($(cat "$TL_TMP/autotune.err"))"
check "autotune: probe taken from the state file" '.autotune.probe.from_cache == true' "$out5"
check "autotune: both runs completed with results" \
    '.autotune.kernel.end.sum.bits_per_second > 0 and .autotune.tuned.end.sum.bits_per_second > 0 and .autotune.kernel.end.failed_flows == 0 and .autotune.tuned.end.failed_flows == 0' "$out5"
check "autotune: the choice says what and why" \
    '.autotune.choice | .flows >= 1 and .sndbuf > 0 and .rcvbuf > 0 and (.why | test("BDP = .* / 8")) and (.why | test("SO_SNDBUF"))' "$out5"
check "autotune: same flow count in both runs" \
    '.autotune.choice.flows as $n | (.autotune.kernel.end.streams | length) == $n and (.autotune.tuned.end.streams | length) == $n' "$out5"
check "autotune: tuned run applied the choice (the kernel doubled it)" \
    '.autotune.choice as $c | [.autotune.tuned.end.streams[] | .sender.sndbuf == 2 * $c.sndbuf and .receiver.rcvbuf == 2 * $c.rcvbuf] | all' "$out5"
check "autotune: the kernel run asked for no buffer, the tuned run for the choice" \
    '.autotune.kernel.start.test_start.opts as $k | .autotune.tuned.start.test_start.opts as $t | .autotune.choice as $c |
     $k.sndbuf == 0 and $k.rcvbuf == 0 and $t.sndbuf == $c.sndbuf and $t.rcvbuf == $c.rcvbuf' "$out5"
check "autotune: comparison matches the two documents" \
    '.autotune | .comparison.kernel_bits_per_second == .kernel.end.sum.bits_per_second and .comparison.tuned_bits_per_second == .tuned.end.sum.bits_per_second' "$out5"
check "autotune: the comparison's shares of the probed rate are right" \
    '.autotune | (.comparison.tuned_of_probed_rate - .tuned.end.sum.bits_per_second / .probe.rate.bits_per_second | fabs) < 1e-9' "$out5"
echo "autotune: kernel $(jq '.autotune.comparison.kernel_bits_per_second' "$out5") bit/s," \
     "tuned $(jq '.autotune.comparison.tuned_bits_per_second' "$out5") bit/s"

inA "$TCPLAB" stream 10.203.0.2 -p "$PORT" --autotune -t 1 >"$TL_TMP/autotune.txt" 2>&1 \
    || fail "stream --autotune (table): exit $?"
for want in "autotune choice:" "why:" "kernel autotuning" "tcplab --autotune" "throughput (receiver)"; do
    grep -q "$want" "$TL_TMP/autotune.txt" && pass "autotune table has \"$want\"" || fail "autotune table lacks \"$want\""
done
finish
