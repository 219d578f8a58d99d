# Shared by the router_*.sh integration tests: three namespaces stand in for three machines,
# a sender, a router and a receiver, cabled by two veth pairs:
#
#   [s$$: eth0 10.x.y.2] ==== [rtr: a$$ | tcplab router | b$$] ==== [r$$: eth0 10.x.y.1]
#
# The router's interfaces have no address: it is a bump in the wire, and the two hosts share
# one /24 (inside these namespaces only). Everything made here is removed on exit, processes
# by PID, namespaces by their exact names.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then echo "skip: network namespaces need root"; exit 77; fi
for tool in ip ethtool jq ping sysctl; do
    command -v "$tool" >/dev/null || { echo "skip: $tool missing (scripts/deps.sh)"; exit 77; }
done

RT_TAG=${RT_TAG:-x}
NS_S=tlrs$$$RT_TAG; NS_R=tlrr$$$RT_TAG; NS_M=tlrm$$$RT_TAG
IF_IN=ra$$$RT_TAG; IF_OUT=rb$$$RT_TAG
export TCPLAB_ROUTER_DIR=$TL_TMP/routers
RT_NAME=rt$$$RT_TAG
# A /24 of 10.200-231.x.0 from the PID, inside our own namespaces only.
RT_NET=10.$((200 + $$ % 32)).$(( ($$ / 32) % 256 ))
SND=$RT_NET.2
RCV=$RT_NET.1
RT_PID=
RT_MADE=()

rt_cleanup() {
    local p n
    for p in "${TL_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${TL_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    TL_PIDS=()
    for n in "${RT_MADE[@]}"; do ip netns del "$n" 2>/dev/null; done
    tl_cleanup
}
trap rt_cleanup EXIT

# rt_setup: the three namespaces and both cables. The hosts' own ends have their offloads off,
# as a real NIC's wire would carry only MTU-sized frames with finished checksums.
rt_setup() {
    local n
    for n in "$NS_S" "$NS_M" "$NS_R"; do
        ip netns add "$n" || { echo "FAIL: ip netns add $n"; exit 1; }
        RT_MADE+=("$n")
        ip -n "$n" link set lo up
    done
    ip -n "$NS_M" link add "$IF_IN" type veth peer name eth0 netns "$NS_S" &&
        ip -n "$NS_M" link add "$IF_OUT" type veth peer name eth0 netns "$NS_R" ||
        { echo "FAIL: veth pairs"; exit 1; }
    for n in "$NS_S" "$NS_R"; do
        ip netns exec "$n" ethtool -K eth0 tx off tso off gso off gro off >/dev/null
    done
    ip -n "$NS_S" addr add "$SND/24" dev eth0
    ip -n "$NS_R" addr add "$RCV/24" dev eth0
    for n in "$NS_S" "$NS_R"; do ip -n "$n" link set eth0 up; done
    ip -n "$NS_M" link set "$IF_IN" up
    ip -n "$NS_M" link set "$IF_OUT" up
}

# rt_start [OPTIONS]: the router on the middle namespace's two veths, in the background;
# waits until its status answers. RT_PID is its PID.
rt_start() {
    ip netns exec "$NS_M" "$TCPLAB" router --in "$IF_IN" --out "$IF_OUT" --name "$RT_NAME" "$@" \
        >"$TL_TMP/router.out" 2>"$TL_TMP/router.err" &
    RT_PID=$!
    TL_PIDS+=("$RT_PID")
    local i
    for i in $(seq 1 100); do
        rt_status --json >/dev/null 2>&1 && return 0
        kill -0 "$RT_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "FAIL: router did not start:"; cat "$TL_TMP/router.out" "$TL_TMP/router.err"
    exit 1
}

# rt_stop [SIGNAL]: ends the router by its PID and waits for it; RT_RC is its exit status.
rt_stop() {
    kill -"${1:-TERM}" "$RT_PID" 2>/dev/null
    wait "$RT_PID" 2>/dev/null
    RT_RC=$?
    local keep=() p
    for p in "${TL_PIDS[@]}"; do [ "$p" = "$RT_PID" ] || keep+=("$p"); done
    TL_PIDS=("${keep[@]}")
}

rt_status() { ip netns exec "$NS_M" "$TCPLAB" router status --name "$RT_NAME" "$@"; }
rt_set() { ip netns exec "$NS_M" "$TCPLAB" router set --name "$RT_NAME" "$@"; }

# ping_p50 ADDR [COUNT]: the median RTT in ms of COUNT pings every 50 ms, sender to ADDR.
ping_p50() {
    ip netns exec "$NS_S" ping -n -c "${2:-20}" -i 0.05 "$1" 2>/dev/null |
        sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "none"; else print v[int((NR + 1) / 2)] }'
}

# ping_near ADDR MS [TOL]: up to five runs of ping_p50 (1 s each) until one is within TOL
# (default 0.3) ms of MS. A run on a loaded 2-vCPU machine is disturbed by other work now
# and then (the sender, the router and the receiver all wake for every ping); an emulation
# error shows in all five. PING_SEEN lists the medians.
ping_near() {
    local attempt p
    PING_SEEN=""
    for attempt in 1 2 3 4 5; do
        p=$(ping_p50 "$1")
        PING_SEEN="$PING_SEEN $p"
        near "$p" "$2" "${3:-0.3}" && return 0
    done
    return 1
}

near() {
    awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "none" && d <= t + 1e-9) }'
}

# start_agent_rcv: a tcplab agent in the receiver's namespace; sets AGENT_PORT. An agent
# that serves loopback only unless told gets --no-auth: the namespace is private.
start_agent_rcv() {
    local pf="$TL_TMP/port.rcv" noauth=()
    "$TCPLAB" serve --help 2>/dev/null | grep -q -- --no-auth && noauth=(--no-auth)
    ip netns exec "$NS_R" "$TCPLAB" serve "${noauth[@]}" --port 0 --port-file "$pf" -q \
        >"$TL_TMP/agent.out" 2>"$TL_TMP/agent.log" &
    TL_PIDS+=("$!")
    local i
    for i in $(seq 1 100); do
        [ -s "$pf" ] && break
        sleep 0.05
    done
    [ -s "$pf" ] || { echo "FAIL: agent did not start:"; cat "$TL_TMP/agent.log"; exit 1; }
    AGENT_PORT=$(cat "$pf")
}

# if_state IF: what the router must leave as it found it, in the middle namespace:
# promiscuity count, PROMISC flag and the four offloads.
if_state() {
    local promisc flags off
    promisc=$(ip -n "$NS_M" -d -j link show "$1" | jq -r '.[0].promiscuity')
    flags=$(ip -n "$NS_M" -j link show "$1" | jq -r '.[0].flags | index("PROMISC") != null')
    off=$(ip netns exec "$NS_M" ethtool -k "$1" |
        awk -F': ' '/^[[:space:]]*(generic-receive-offload|large-receive-offload|generic-segmentation-offload|tcp-segmentation-offload|tx-tcp-segmentation|tx-tcp6-segmentation):/ { sub(/^[[:space:]]+/, "", $1); printf "%s=%s ", $1, $2 }')
    echo "promiscuity=$promisc promisc_flag=$flags $off"
}
