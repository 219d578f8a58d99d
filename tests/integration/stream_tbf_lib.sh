# Two network namespaces made here, joined by a veth pair; the sender's egress shaped by the
# kernel's tbf qdisc (and, if asked, the receiver's egress delayed by netem, so the ACKs and
# with them the RTT carry the delay). The agent runs in the receiver's namespace. Sourced after
# lib.sh by the tests that need a bottleneck nobody here wrote; each removes exactly what it made.
#
# tbf_path RATE [DELAY]: sets NS_A (client), NS_B (agent), ADDR_B, PORT, and inA to run a
# command in NS_A with a time bound. Skips (exit 77) without root, tc or tbf.
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for ip netns"; exit 77; }
command -v jq >/dev/null || { echo "skip: needs jq"; exit 77; }
command -v tc >/dev/null || { echo "skip: needs tc (iproute2)"; exit 77; }

NS_A="tl-edge-a-$$"
NS_B="tl-edge-b-$$"
VA="tlea$$"
VB="tleb$$"
ADDR_B=10.204.0.2
NETS_MADE=()
tbf_cleanup() {
    tl_cleanup
    local n
    for n in "${NETS_MADE[@]}"; do ip netns del "$n" 2>/dev/null; done
}
trap tbf_cleanup EXIT

inA() { timeout 120 ip netns exec "$NS_A" "$@"; }

tbf_path() {
    local rate=$1 delay=${2:-}
    # tbf releases held packets from a timer that fires late on a VM whose idle vCPUs halt;
    # hold the wake-up latency at 0 while the test runs (dropped when fd 9 closes).
    [ -w /dev/cpu_dma_latency ] && exec 9>/dev/cpu_dma_latency && printf 0 >&9
    ip netns add "$NS_A" || { echo "skip: ip netns add failed"; exit 77; }
    NETS_MADE+=("$NS_A")
    ip netns add "$NS_B" || exit 1
    NETS_MADE+=("$NS_B")
    ip link add "$VA" netns "$NS_A" type veth peer name "$VB" netns "$NS_B" || exit 1
    ip -n "$NS_A" addr add 10.204.0.1/24 dev "$VA"
    ip -n "$NS_B" addr add "$ADDR_B/24" dev "$VB"
    local n
    for n in "$NS_A" "$NS_B"; do ip -n "$n" link set lo up; done
    ip -n "$NS_A" link set "$VA" up
    ip -n "$NS_B" link set "$VB" up
    # a queue of a full 100 ms at the rate: the shaper, not its drops, sets the pace
    ip netns exec "$NS_A" tc qdisc add dev "$VA" root tbf rate "$rate" burst 32kbit latency 100ms || {
        echo "skip: tbf qdisc not available"; exit 77; }
    if [ -n "$delay" ]; then
        ip netns exec "$NS_B" tc qdisc add dev "$VB" root netem delay "$delay" limit 100000 || {
            echo "skip: netem qdisc not available"; exit 77; }
    fi
    local pf="$TL_TMP/port"
    ip netns exec "$NS_B" "$TCPLAB" serve --no-auth --bind "$ADDR_B" --port 0 --port-file "$pf" \
        >"$TL_TMP/agent.out" 2>"$TL_TMP/agent.log" &
    TL_PIDS+=("$!")
    for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
    [ -s "$pf" ] || { echo "agent did not start:"; cat "$TL_TMP/agent.log"; exit 1; }
    PORT=$(cat "$pf")
}
