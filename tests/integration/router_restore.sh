#!/usr/bin/env bash
# What tcplab router changes on its interfaces it puts back: while it runs both are
# promiscuous with GRO, GSO and TSO off (TSO as the ethtool ioctl's ETHTOOL_STSO reaches:
# tx-tcp-segmentation and tx-tcp6-segmentation; a newer kernel's AccECN bit is not in it); after SIGTERM, and after SIGKILL followed by
# `router --restore IF`, promiscuity and offloads are exactly as before. Their addresses are
# never touched.
. "$(dirname "$0")/router_lib.sh"

rt_setup
# Start from offloads on (veth's GRO is off by default), so that turning off shows.
for i in "$IF_IN" "$IF_OUT"; do
    ip netns exec "$NS_M" ethtool -K "$i" gro on gso on tso on >/dev/null 2>&1
done
# An address on one side, to see that the router leaves it alone.
ip -n "$NS_M" addr add 192.168.$(( $$ % 200 )).9/32 dev "$IF_OUT"
addrs() { ip -n "$NS_M" -j addr show dev "$1" | jq -c '[.[0].addr_info[] | .local]'; }
before_in=$(if_state "$IF_IN"); before_out=$(if_state "$IF_OUT")
addr_before=$(addrs "$IF_OUT")
echo "before: $IF_IN: $before_in"
echo "before: $IF_OUT: $before_out"
echo "$before_in" | grep -q "generic-receive-offload=on" || fail "setup: GRO did not turn on ($before_in)"

during_ok() {
    local s
    for i in "$IF_IN" "$IF_OUT"; do
        s=$(if_state "$i")
        echo "$s" | grep -q "promiscuity=[1-9]" && echo "$s" | grep -q "generic-receive-offload=off" &&
            echo "$s" | grep -q "generic-segmentation-offload=off" && echo "$s" | grep -q "tx-tcp-segmentation=off" && echo "$s" | grep -q "tx-tcp6-segmentation=off" ||
            { echo "$i while running: $s"; return 1; }
    done
}

# 1. SIGTERM.
rt_start --rtt 2ms
during_ok && pass "running: both interfaces promiscuous, GRO/GSO/TSO off" || fail "running: not promiscuous or offloads on"
ping_p50 "$RCV" 5 >/dev/null
rt_stop TERM
[ "$RT_RC" = 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $RT_RC ($(cat "$TL_TMP/router.err"))"
[ "$(if_state "$IF_IN")" = "$before_in" ] && [ "$(if_state "$IF_OUT")" = "$before_out" ] &&
    pass "after SIGTERM: promiscuity and offloads as before" ||
    fail "after SIGTERM: $IF_IN $(if_state "$IF_IN") / $IF_OUT $(if_state "$IF_OUT")"
[ "$(addrs "$IF_OUT")" = "$addr_before" ] && pass "the address on $IF_OUT is untouched" || fail "addresses now $(addrs "$IF_OUT")"

# 2. SIGINT (Ctrl-C) as well.
rt_start
rt_stop INT
[ "$RT_RC" = 0 ] && [ "$(if_state "$IF_IN")" = "$before_in" ] && [ "$(if_state "$IF_OUT")" = "$before_out" ] &&
    pass "SIGINT: exit 0, interfaces as before" || fail "SIGINT: exit $RT_RC, $(if_state "$IF_IN")"

# 3. SIGKILL: the kernel drops the promiscuity with the sockets; the offloads stay off until
# --restore, and a new router on the same interfaces is refused until then.
rt_start
during_ok || fail "second run: not promiscuous or offloads on"
rt_stop KILL
s=$(if_state "$IF_IN")
echo "$s" | grep -q "promiscuity=0" && pass "after SIGKILL: promiscuity back to 0 by itself" || fail "after SIGKILL: $s"
echo "$s" | grep -q "generic-receive-offload=off" && pass "after SIGKILL: GRO still off (what --restore is for)" || fail "after SIGKILL the offloads changed: $s"
out=$(ip netns exec "$NS_M" "$TCPLAB" router --in "$IF_IN" --out "$IF_OUT" --name "$RT_NAME" 2>&1) && fail "a router started on interfaces a killed one left"
echo "$out" | grep -q -- "--restore $IF_IN" && [ "$(echo "$out" | wc -l)" = 1 ] &&
    pass "starting again is refused, naming --restore: $out" || fail "start after SIGKILL: $out"
out=$(ip netns exec "$NS_M" "$TCPLAB" router --restore "$IF_OUT" 2>&1) || fail "--restore $IF_OUT: exit $? ($out)"
[ "$(if_state "$IF_IN")" = "$before_in" ] && [ "$(if_state "$IF_OUT")" = "$before_out" ] &&
    pass "--restore $IF_OUT: both interfaces as before ($out)" ||
    fail "after --restore: $IF_IN $(if_state "$IF_IN") / $IF_OUT $(if_state "$IF_OUT")"
[ ! -e "$TCPLAB_ROUTER_DIR/$RT_NAME" ] && pass "--restore removed the state directory" || fail "state left: $(ls "$TCPLAB_ROUTER_DIR/$RT_NAME")"
out=$(ip netns exec "$NS_M" "$TCPLAB" router --restore "$IF_IN" 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "nothing to restore" && pass "a second --restore: nothing to restore (exit 1)" || fail "second --restore: exit $rc: $out"

# 4. --restore while the router runs is refused: it restores itself on SIGTERM.
rt_start
out=$(ip netns exec "$NS_M" "$TCPLAB" router --restore "$IF_IN" 2>&1) && fail "--restore of a running router succeeded"
echo "$out" | grep -q "still runs" && pass "--restore of a running router refused: $out" || fail "--restore while running: $out"
p=$(ping_p50 "$RCV" 5)
[ "$p" != none ] && pass "and it still forwards (ping $p ms)" || fail "no ping after a refused --restore"
rt_stop TERM
[ "$(if_state "$IF_IN")" = "$before_in" ] && pass "SIGTERM after all that: as before" || fail "end: $(if_state "$IF_IN")"
finish
