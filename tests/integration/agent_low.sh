#!/usr/bin/env bash
# Hardening outside the agent: mesh rank 0 listened on every address with a
# loopback rendezvous and took a 63 MiB hello; the testbed forwarder's 8 control slots could be
# held by stalled clients; 'testbed exec' on a testbed whose forwarder died said nothing and
# returned 0.
. "$(dirname "$0")/lib.sh"
PEER=$(dirname "$0")/agent_peer.py

# mesh: rank 0 of 2 waits for rank 1 on a loopback rendezvous
port=$(( 21000 + RANDOM % 11000 ))
timeout -k 5 60 "$TCPLAB" mesh --rank 0 --size 2 --rendezvous 127.0.0.1:$port -m 1 --hops 100 \
    --connect-timeout 20s --json >"$TL_TMP/r0.json" 2>"$TL_TMP/r0.err" &
r0=$!; TL_PIDS+=("$r0")
for i in $(seq 1 100); do ss -ltnH "sport = :$port" | grep -q LISTEN && break; sleep 0.05; done
ss -ltnH "sport = :$port" >"$TL_TMP/ss.txt"
grep -q "127.0.0.1:$port" "$TL_TMP/ss.txt" && ! grep -qE "(\*|0\.0\.0\.0|\[::\]):$port" "$TL_TMP/ss.txt" \
    && pass "mesh: a loopback rendezvous listens on 127.0.0.1 only" || fail "mesh listens: $(cat "$TL_TMP/ss.txt")"
/usr/bin/python3 "$PEER" meshbig $port >"$TL_TMP/big.out" 2>&1
sent=$(awk '/^sent/ {print $2}' "$TL_TMP/big.out")
wait "$r0"
[ -n "$sent" ] && [ "$sent" -lt $((16 << 20)) ] && pass "mesh: a 63 MiB hello refused after $sent bytes" \
    || fail "mesh: the 63 MiB hello was taken (${sent:-?} bytes)"
grep -q "of 66060288 bytes, more than the 65536 allowed" "$TL_TMP/r0.err" "$TL_TMP/r0.json" \
    && pass "mesh: the refusal names the size and the limit" || fail "mesh: $(cat "$TL_TMP/r0.err")"

# testbed (root and namespaces): stalled control clients, exec on a dead forwarder
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
    echo "skip: the testbed part needs root"; finish
fi
name=tlow$$
tb_dir=${TCPLAB_TESTBED_DIR:-/run/tcplab/testbed}
trap '"$TCPLAB" testbed down "$name" >/dev/null 2>&1; tl_cleanup' EXIT
"$TCPLAB" testbed up "$name" --rate 100mbit --rtt 2ms >/dev/null 2>"$TL_TMP/up.err" || { fail "testbed up: $(cat "$TL_TMP/up.err")"; finish; }
/usr/bin/python3 "$PEER" slowctl "$tb_dir/$name/ctl.sock" 40 6 >"$TL_TMP/slow.out" 2>&1 &
slow=$!; TL_PIDS+=("$slow")
for i in $(seq 1 100); do grep -q holding "$TL_TMP/slow.out" && break; sleep 0.05; done
ok=0
for i in 1 2 3 4 5; do
    "$TCPLAB" testbed status "$name" --json >"$TL_TMP/st.json" 2>"$TL_TMP/st.err" && ok=$((ok + 1))
done
[ $ok = 5 ] && pass "testbed: status answers 5 of 5 while 40 clients stall ($(cat "$TL_TMP/slow.out"))" \
    || fail "testbed: status answered $ok of 5 while 40 clients stall: $(cat "$TL_TMP/st.err")"
wait "$slow"
fpid=$(jq -r '.forwarder_pid // empty' "$TL_TMP/st.json")
[ -n "$fpid" ] && kill -9 "$fpid" 2>/dev/null
sleep 0.3
"$TCPLAB" testbed exec "$name" rcv -- true 2>"$TL_TMP/exec.err"; rc=$?
[ $rc != 0 ] && grep -q "forwarder (pid $fpid) is not running" "$TL_TMP/exec.err" \
    && pass "testbed exec on a dead forwarder: exit $rc, and why" || fail "exec on a dead forwarder: exit $rc, $(cat "$TL_TMP/exec.err")"
finish
