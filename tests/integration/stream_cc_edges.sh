#!/usr/bin/env bash
# Congestion control at the edges of what the user may ask:
# - a mix of groups without -P (--cc A:1,B:1) means as many flows as the groups name;
# - an ordinary user may set only what net.ipv4.tcp_allowed_congestion_control lists: the
#   test is refused before it starts, on the client and on the agent, with the sysctl that
#   fixes it (not a setsockopt EPERM in the middle of the test).
. "$(dirname "$0")/lib.sh"
start_agent
avail=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control)
allowed=$(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control)
set -- $avail
if [ $# -ge 2 ]; then
    a=$1 b=$2
    out=$TL_TMP/mix.json
    "$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" --cc "$a:1,$b:1" -t 1 --json >"$out" || fail "mix without -P: exit $?"
    check "--cc $a:1,$b:1 without -P: two flows, one of each" \
        "(.end.streams | length) == 2 and .end.streams[0].sender.cc == \"$a\" and .end.streams[1].sender.cc == \"$b\"" "$out"
    out=$TL_TMP/mixrr.json
    "$TCPLAB" rr 127.0.0.1 -p "$AGENT_PORT" --cc "$a:1,$b:1" -t 1 --json >"$out" || fail "rr mix without -P: exit $?"
    check "rr --cc $a:1,$b:1 without -P: two flows" '.start.test_start.flows == 2' "$out"
    "$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" --cc "$a:2,$b:1" -P 2 -t 1 >/dev/null 2>"$TL_TMP/few.err"
    [ $? -eq 2 ] && grep -q "flow groups cover 3 flows but --flows is 2" "$TL_TMP/few.err" \
        && pass "an explicit -P below the groups is still refused" || fail "explicit -P: $(cat "$TL_TMP/few.err")"
else
    echo "skip mix: one congestion control available ($avail)"
fi

# A congestion control that is available but not allowed to ordinary users.
restricted=
for cc in $avail; do
    echo " $allowed " | grep -q " $cc " || { restricted=$cc; break; }
done
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null || [ -z "$restricted" ]; then
    echo "skip non-root: needs root to drop to nobody, setpriv, and an available but not allowed cc (allowed: $allowed; available: $avail)"
    finish
fi
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
asnobody test -x "$TCPLAB" || { echo "skip non-root: nobody cannot run $TCPLAB"; finish; }

seen=$(grep -c " from " "$TL_TMP/agent.log")
asnobody "$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" --cc "$restricted" -t 1 >"$TL_TMP/u.out" 2>"$TL_TMP/u.err"
rc=$?
[ $rc -eq 2 ] && pass "ordinary user, --cc $restricted: refused before the test (exit 2)" || fail "ordinary user: exit $rc"
grep -q "net.ipv4.tcp_allowed_congestion_control (\"$allowed\")" "$TL_TMP/u.err" &&
    grep -q "sysctl -w net.ipv4.tcp_allowed_congestion_control=\"$allowed $restricted\"" "$TL_TMP/u.err" \
    && pass "ordinary user: the message names the allowed list and the sysctl" || fail "message: $(cat "$TL_TMP/u.err")"
[ "$(grep -c " from " "$TL_TMP/agent.log")" -eq "$seen" ] && pass "nothing reached the agent" || fail "the agent saw a test"

# The agent as an ordinary user, the client privileged: the agent refuses the spec.
# the ordinary user's agent writes its port into a directory of its own
chmod 755 "$TL_TMP"
mkdir "$TL_TMP/u" && chmod 777 "$TL_TMP/u"
pf=$TL_TMP/u/port
# setpriv itself in the background (not the shell function): it execs the agent, so $! is
# the agent's PID and the cleanup ends it
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
    "$TCPLAB" serve --bind 127.0.0.1 --port 0 --port-file "$pf" >"$TL_TMP/uagent.out" 2>"$TL_TMP/uagent.log" &
TL_PIDS+=("$!")
for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
"$TCPLAB" stream 127.0.0.1 -p "$(cat "$pf")" --cc "$restricted" -t 1 >"$TL_TMP/a.out" 2>"$TL_TMP/a.err"
rc=$?
[ $rc -eq 3 ] && pass "agent as an ordinary user: the test is refused (exit 3)" || fail "agent as user: exit $rc"
grep -q "test spec refused: on the agent's host: congestion control \"$restricted\": an ordinary user" "$TL_TMP/a.err" \
    && pass "agent as an ordinary user: the agent's reason, with the sysctl" || fail "agent message: $(cat "$TL_TMP/a.err")"
grep -q "Total" "$TL_TMP/a.out" && fail "refused test printed a Total line" || pass "refused test: the error alone"
finish
