#!/usr/bin/env bash
# tcplab router status and set from another host, through the agent on the router's host
# (router_lib.sh's three namespaces, and a management cable from the sender's namespace to the
# router's, whose forwarding interfaces have no address): an agent with --authorized-keys
# relays an authorized client's status and set to the router and answers as the router's own
# host would; a key it does not list is refused, and changes nothing; a name with no router
# gets one clear line. An agent without keys (--no-auth) answers like for tests.
. "$(dirname "$0")/router_lib.sh"
command -v cmp >/dev/null || { echo "skip: cmp missing"; exit 77; }

rt_setup
# the management cable: its own /24, inside these namespaces only
MG_IF=rm$$$RT_TAG
MG_NET=10.$((232 + $$ % 16)).$(( ($$ / 32) % 256 ))
ip -n "$NS_M" link add "$MG_IF" type veth peer name mgmt0 netns "$NS_S" || { echo "FAIL: management veth"; exit 1; }
ip -n "$NS_M" addr add "$MG_NET.1/24" dev "$MG_IF"
ip -n "$NS_S" addr add "$MG_NET.2/24" dev mgmt0
ip -n "$NS_M" link set "$MG_IF" up
ip -n "$NS_S" link set mgmt0 up

rt_start --rtt 20ms --rate 100mbit

"$TCPLAB" keygen -f "$TL_TMP/good" >/dev/null || fail "keygen: exit $?"
"$TCPLAB" keygen -f "$TL_TMP/other" >/dev/null || fail "keygen 2: exit $?"
cp "$TL_TMP/good.pub" "$TL_TMP/authorized"

# agent_mid PORTFILE OPTIONS...: an agent in the router's namespace, on the management address
agent_mid() {
    local pf=$1 i
    shift
    ip netns exec "$NS_M" "$TCPLAB" serve --bind "$MG_NET.1" --port 0 --port-file "$pf" "$@" \
        >>"$TL_TMP/agent.out" 2>>"$TL_TMP/agent.log" &
    TL_PIDS+=("$!")
    for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
    [ -s "$pf" ] || { echo "FAIL: agent did not start:"; cat "$TL_TMP/agent.log"; exit 1; }
}
agent_mid "$TL_TMP/keys.port" --authorized-keys "$TL_TMP/authorized"
REMOTE=$MG_NET.1:$(cat "$TL_TMP/keys.port")

# remote KEY ARGS...: tcplab router ARGS from the sender's namespace with that key; no router
# root of its own there, so nothing can be answered locally
remote() {
    local key=$1
    shift
    ip netns exec "$NS_S" env TCPLAB_KEY="$key" TCPLAB_ROUTER_DIR="$TL_TMP/none" "$TCPLAB" router "$@"
}
conf='{options, router, fwd: .fwd.rate_bps, rev: .rev.rate_bps, ports: [.ports[].name]}'

# status: the same configuration as on the router's host, in JSON and in text
remote "$TL_TMP/good" status --remote "$REMOTE" --name "$RT_NAME" --json >"$TL_TMP/r.json" ||
    fail "status --remote: exit $?"
rt_status --json >"$TL_TMP/l.json" || fail "local status: exit $?"
jq -S "$conf" "$TL_TMP/r.json" >"$TL_TMP/r.conf" 2>&1
jq -S "$conf" "$TL_TMP/l.json" >"$TL_TMP/l.conf" 2>&1
cmp -s "$TL_TMP/r.conf" "$TL_TMP/l.conf" && grep -q '"rtt": "20ms"' "$TL_TMP/r.conf" &&
    pass "status --remote: the configuration is the local status's" ||
    { fail "status --remote differs:"; diff "$TL_TMP/r.conf" "$TL_TMP/l.conf" | head -20; }
remote "$TL_TMP/good" status --remote "$REMOTE" --name "$RT_NAME" --json-file "$TL_TMP/rf.json" >"$TL_TMP/r.txt" ||
    fail "status --remote (text): exit $?"
grep -q "^router $RT_NAME: pid $RT_PID, up .*, $IF_IN -> $IF_OUT" "$TL_TMP/r.txt" &&
    grep -q "^in->out .*100 Mbit/s" "$TL_TMP/r.txt" && check "status --remote: the table, and the document in --json-file" \
    ".router.name == \"$RT_NAME\" and .options.rate == \"100mbit\"" "$TL_TMP/rf.json" ||
    { fail "status --remote text:"; cat "$TL_TMP/r.txt"; }

# set: the rate changes, as the router's host reads it back; the next local set keeps it
remote "$TL_TMP/good" set --remote "$REMOTE" --name "$RT_NAME" --rate 50mbit >"$TL_TMP/set.out" ||
    fail "set --remote --rate 50mbit: exit $?"
grep -q "^router $RT_NAME: rate 50.0 Mbit/s, RTT 20ms" "$TL_TMP/set.out" && pass "set --remote prints the new settings" ||
    fail "set --remote printed: $(cat "$TL_TMP/set.out")"
rt_status --json >"$TL_TMP/l2.json" || fail "local status after set: exit $?"
check "set --remote: the local status reads the new rate" '.fwd.rate_bps == 50000000 and .options.rate == "50mbit"' "$TL_TMP/l2.json"
rt_set --rtt 10ms >/dev/null || fail "local set --rtt 10ms: exit $?"
rt_status --json >"$TL_TMP/l3.json" || fail "local status: exit $?"
check "a local set after it keeps the rate set remotely (the router's state file has it)" \
    '.fwd.rate_bps == 50000000 and .options.rtt == "10ms"' "$TL_TMP/l3.json"

# a bad value is refused there as here: one line naming it, exit 2
out=$(remote "$TL_TMP/good" set --remote "$REMOTE" --name "$RT_NAME" --aqm nosuch 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "aqm" && [ "$(echo "$out" | wc -l)" = 1 ] &&
    pass "set --remote --aqm nosuch: exit 2, one line ($out)" || fail "set --remote --aqm nosuch: exit $rc: $out"

# a key the agent does not list: refused, clearly, and nothing changes
out=$(remote "$TL_TMP/other" set --remote "$REMOTE" --name "$RT_NAME" --rate 5mbit 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "is not in this agent's --authorized-keys" &&
    pass "unlisted key: refused, exit $rc ($out)" || fail "unlisted key: exit $rc: $out"
out=$(remote "$TL_TMP/nosuchkey" status --remote "$REMOTE" --name "$RT_NAME" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "tcplab keygen" && pass "no key: refused, says how to make one, exit $rc" ||
    fail "no key: exit $rc: $out"
rt_status --json >"$TL_TMP/l4.json" || fail "local status: exit $?"
check "the refused set changed nothing" '.fwd.rate_bps == 50000000' "$TL_TMP/l4.json"

# a name with no router there
out=$(remote "$TL_TMP/good" status --remote "$REMOTE" --name nosuch$$ 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "no router nosuch$$ on $REMOTE: " && [ "$(echo "$out" | wc -l)" = 1 ] &&
    pass "no such router: exit 1, one line ($out)" || fail "no such router: exit $rc: $out"
out=$(remote "$TL_TMP/good" status --remote "$MG_NET.1:1" --name "$RT_NAME" 2>&1); rc=$?
[ $rc = 3 ] && echo "$out" | grep -q "tcplab serve" && pass "no agent there: exit 3 ($out)" || fail "no agent: exit $rc: $out"
grep -q "router status $RT_NAME from $MG_NET.2" "$TL_TMP/agent.log" && pass "the agent logs what it relayed" ||
    fail "agent log: $(tail -5 "$TL_TMP/agent.log")"

# stream --router NAME@HOST: the router's series over the test's window, from its agent (the
# namespaces share one clock, so the window sent as "how long ago" must land on the test's)
start_agent_rcv
ip netns exec "$NS_S" env TCPLAB_KEY="$TL_TMP/good" "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -t 2 \
    --router "$RT_NAME@$REMOTE" --json >"$TL_TMP/s.json" || fail "stream --router: exit $?"
check "stream --router NAME@HOST: end.testbed has the remote router's series" \
    ".end.testbed.name == \"$RT_NAME\" and .end.testbed.host == \"$REMOTE\" and (.end.testbed.series | length) >= 10" "$TL_TMP/s.json"
check "stream --router: the series lies in the test's window (within 0.3 s) and carried its bytes" \
    '.start.start_monotonic_ns as $t0 | (.end.sum.seconds * 1e9) as $w | .end.testbed.series as $s |
     ($s[0].t_ns >= $t0 - 3e8) and ($s[-1].t_ns <= $t0 + $w + 3e8) and ($s[-1].fwd.bytes_out > $s[0].fwd.bytes_out)' "$TL_TMP/s.json"
ip netns exec "$NS_S" env TCPLAB_KEY="$TL_TMP/good" "$TCPLAB" stream "$RCV" -p "$AGENT_PORT" -t 1 \
    --router "nosuch$$@$REMOTE" --json >"$TL_TMP/s2.json" || fail "stream --router nosuch: exit $?"
check "stream --router with no such router: the test stands, end.testbed says why" \
    ".end.sum.bytes > 0 and (.end.testbed.error | test(\"no router nosuch$$ on $REMOTE\"))" "$TL_TMP/s2.json"

# an agent without keys answers anyone who reaches it, as it runs their tests
agent_mid "$TL_TMP/open.port" --no-auth
remote "$TL_TMP/nosuchkey" status --remote "$MG_NET.1:$(cat "$TL_TMP/open.port")" --name "$RT_NAME" --json >"$TL_TMP/o.json" ||
    fail "status through an agent without keys: exit $?"
check "an agent with --no-auth answers without a key" ".router.name == \"$RT_NAME\"" "$TL_TMP/o.json"
finish
