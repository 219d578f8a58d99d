#!/usr/bin/env bash
# Ranks started one by one, as a launcher would (--rank/--size/--rendezvous): first on
# loopback in any order, then each in its own network namespace, joined through a bridge in
# a fourth namespace, with private addresses that exist only inside them. Rank 0 collects
# the addresses and hands out the table; the ranks then connect across the bridge.
. "$(dirname "$0")/mesh_lib.sh"

# start_rank NSNAME OUT ARGS...: one rank in the background (NSNAME "-" = this namespace).
RANK_PIDS=()
start_rank() {
    local ns=$1 out=$2; shift 2
    if [ "$ns" = - ]; then
        timeout -k 5 90 "$TCPLAB" mesh "$@" --json >"$out" 2>"$out.err" &
    else
        timeout -k 5 90 ip netns exec "$ns" "$TCPLAB" mesh "$@" --json >"$out" 2>"$out.err" &
    fi
    RANK_PIDS+=($!)
    TL_PIDS+=($!)
}
wait_ranks() { # sets RANKS_RC to the number of ranks that did not exit 0
    local p
    RANKS_RC=0
    for p in "${RANK_PIDS[@]}"; do wait "$p" || RANKS_RC=$((RANKS_RC + 1)); done
    RANK_PIDS=()
}

# 1. Loopback, rank 0 last: the others wait for it (connect retries), then all run.
port=$(( 21000 + RANDOM % 11000 ))   # below the ephemeral range
for r in 3 2 1; do
    start_rank - "$TL_TMP/lo-$r.json" --rank $r --size 4 --rendezvous 127.0.0.1:$port -m 3 --pattern all-to-all --hops 4000
done
sleep 0.2
start_rank - "$TL_TMP/lo-0.json" --rank 0 --size 4 --rendezvous 127.0.0.1:$port -m 3 --pattern all-to-all --hops 4000
wait_ranks
MESH_RC=$RANKS_RC
mesh_ok "loopback rendezvous, rank 0 started last: 4000 hops, 3 tokens conserved" "$TL_TMP/lo-0.json"
check "launch is rendezvous, 4 ranks" '.runs[0].launch == "rendezvous" and .runs[0].ranks == 4' "$TL_TMP/lo-0.json"
check "other ranks: JSON that points at rank 0" '.ok == true and .rank == 2 and (.runs | length) == 0' "$TL_TMP/lo-2.json"

# 2. A rank started with other options is refused by rank 0, by name.
port=$(( 21000 + RANDOM % 11000 ))   # below the ephemeral range
start_rank - "$TL_TMP/mm-1.json" --rank 1 --size 2 --rendezvous 127.0.0.1:$port -m 2 --hops 100
start_rank - "$TL_TMP/mm-0.json" --rank 0 --size 2 --rendezvous 127.0.0.1:$port -m 1 --hops 100
wait_ranks
check "mismatched options: rank 0 names rank 1" '.ok == false and (.error | contains("rank 1 was started with other options"))' "$TL_TMP/mm-0.json"
check "mismatched options: rank 1 is told" '.ok == false and (.error | contains("rank 1"))' "$TL_TMP/mm-1.json"

# 3. Namespaces: three ranks, one per namespace, plus a bridge namespace.
id=$$
sub=$(( 100 + id % 150 ))
NS=(tl-mesh-rv-$id-0 tl-mesh-rv-$id-1 tl-mesh-rv-$id-2)
BR=tl-mesh-rv-$id-br
cleanup_ns() {
    local n
    for n in "${NS[@]}" "$BR"; do ip netns del "$n" 2>/dev/null; done
}
trap 'tl_cleanup; cleanup_ns' EXIT
if ! ip netns add "$BR" 2>/dev/null; then
    echo "skip: cannot create network namespaces here (need root and CONFIG_NET_NS)"
    exit 77
fi
ip -n "$BR" link add br0 type bridge && ip -n "$BR" link set br0 up || { fail "bridge in $BR"; finish; }
for i in 0 1 2; do
    ip netns add "${NS[$i]}" || { fail "netns add ${NS[$i]}"; finish; }
    # The veth is made inside the rank's namespace and its peer moved to the bridge's: both
    # go away with the namespaces.
    ip -n "${NS[$i]}" link add eth0 type veth peer name p$i netns "$BR" &&
        ip -n "$BR" link set p$i master br0 up &&
        ip -n "${NS[$i]}" addr add 10.$sub.77.$((i + 1))/24 dev eth0 &&
        ip -n "${NS[$i]}" link set eth0 up && ip -n "${NS[$i]}" link set lo up ||
        { fail "veth for ${NS[$i]}"; finish; }
done
# The bridge forwards once its ports are up; wait for that with a ping, not a guess.
ok=0
for _ in $(seq 1 50); do
    ip netns exec "${NS[1]}" ping -c1 -W1 10.$sub.77.1 >/dev/null 2>&1 && { ok=1; break; }
    sleep 0.1
done
[ $ok -eq 1 ] && pass "namespaces joined through the bridge" || fail "10.$sub.77.1 unreachable from ${NS[1]}"

for t in tcp-nodelay tcp tcp-quickack; do
    for i in 2 1 0; do
        start_rank "${NS[$i]}" "$TL_TMP/ns-$t-$i.json" --rank $i --size 3 --rendezvous 10.$sub.77.1:5300 \
            --transport $t -m 2 --pattern random --hops 3000
    done
    wait_ranks
    MESH_RC=$RANKS_RC
    mesh_ok "$t across 3 namespaces: 3000 hops, tokens conserved" "$TL_TMP/ns-$t-0.json"
done
out=$TL_TMP/ns-tcp-nodelay-0.json
check "one host, so latency is measured" '.runs[0].latency_ns.count > 0 and .runs[0].latency_note == null' "$out"
check "TCP counters from all three namespaces" '.runs[0].tcp_counters.TCPOrigDataSent >= 3000' "$out"
check "every rank took part" '[.runs[0].per_rank[] | .hops_received > 0] | all' "$out"

cleanup_ns
left=$(ip netns list | grep -c "tl-mesh-rv-$id-")
[ "$left" -eq 0 ] && pass "namespaces removed" || fail "$left namespaces left"
finish
