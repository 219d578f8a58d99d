#!/usr/bin/env bash
# A testbed's router is `tcplab router --testbed NAME`: up starts it; killed, the testbed
# says it stopped; the same command by hand brings it back (its PID in the state file,
# status and packets through it), a second one is refused while it runs, and down ends it.
. "$(dirname "$0")/testbed_lib.sh"

A=t$$r
STATE=${TCPLAB_TESTBED_DIR:-/run/tcplab/testbed}/$A/testbed.json
tb_up "$A" --rtt 2ms --rate 100mbit
RCV=$(tb_addr "$A" rcv)
pid=$(jq -r .forwarder_pid "$TL_TMP/$A.up.json")
runs_router() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q " router --testbed $A "; }
runs_router "$pid" && pass "up: pid $pid runs 'tcplab router --testbed $A'" || fail "up: pid $pid is not the router"

# Killed (SIGKILL: nothing of its own runs on the way out), the testbed says it stopped.
kill -KILL "$pid"
for _ in $(seq 1 100); do runs_router "$pid" || break; sleep 0.05; done
"$TCPLAB" testbed status "$A" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && pass "status of a killed router: exit 1" || fail "status after the kill: exit $rc"
"$TCPLAB" testbed list --json | jq -e ".[] | select(.name == \"$A\") | .running == false" >/dev/null &&
    pass "list: the router stopped" || fail "list: still running after the kill"

# By hand, in the foreground (here: in the background of this test).
"$TCPLAB" router --testbed "$A" >"$TL_TMP/r.out" 2>"$TL_TMP/r.err" &
RPID=$!
TL_PIDS+=("$RPID")
for _ in $(seq 1 200); do grep -q "running" "$TL_TMP/r.err" && break; sleep 0.05; done
grep -q "router of testbed $A running, pid $RPID" "$TL_TMP/r.err" && pass "restart: running as pid $RPID" ||
    fail "restart did not start: $(cat "$TL_TMP/r.err")"
[ "$(jq -r .forwarder_pid "$STATE")" = "$RPID" ] && pass "restart: its PID is in the state file" ||
    fail "state file names pid $(jq -r .forwarder_pid "$STATE"), not $RPID"
"$TCPLAB" testbed status "$A" --json >"$TL_TMP/st.json" && pass "status: running again" || fail "status after the restart"
check "status: the testbed's options" '.running == true and .fwd.rate_bps == 100000000' "$TL_TMP/st.json"
"$TCPLAB" testbed exec "$A" snd1 -- ping -n -c 3 -i 0.1 -W 2 "$RCV" >/dev/null && pass "ping through the restarted router" ||
    fail "no ping through the restarted router"
"$TCPLAB" testbed exec "$A" rtr -- ethtool -k snd1 | grep -q "^generic-segmentation-offload: off" &&
    pass "restart: its ports' offloads off" || fail "restart: gso on on port snd1"

# A second one is refused while the first runs, and changes nothing.
"$TCPLAB" router --testbed "$A" >/dev/null 2>"$TL_TMP/err2"; rc=$?
[ $rc -eq 1 ] && grep -q "runs already (pid $RPID" "$TL_TMP/err2" && pass "a second router is refused" ||
    fail "second router: exit $rc $(cat "$TL_TMP/err2")"
[ "$(jq -r .forwarder_pid "$STATE")" = "$RPID" ] && kill -0 "$RPID" && pass "the first one still runs" ||
    fail "the refusal disturbed the first router"

# down ends it (SIGTERM: it stops cleanly, exit 0).
"$TCPLAB" testbed down "$A" >"$TL_TMP/down.txt" && grep -q "forwarder $RPID ended)" "$TL_TMP/down.txt" &&
    pass "down ended the restarted router" || fail "down: $(cat "$TL_TMP/down.txt")"
TB_NAMES=()
wait "$RPID"; rc=$?
TL_PIDS=()
[ $rc -eq 0 ] && grep -q "router of testbed $A stopped" "$TL_TMP/r.err" && pass "it stopped cleanly (exit 0)" ||
    fail "restarted router: exit $rc: $(tail -2 "$TL_TMP/r.err")"
! ip netns list | grep -q "tl-$A-" && pass "namespaces gone" || fail "namespaces left"
finish
