#!/usr/bin/env bash
# rr's two I/O paths, told apart by the syscalls they make (strace -c):
# - one flow per worker runs blocking (engine/rr_solo.c): a recv and a send per transaction,
#   no epoll wait per transaction;
# - several flows per worker stay in epoll, and a read stops at a short read: about one recv
#   per transaction, not two (the second would only say EAGAIN).
# And the blocking path ends cleanly: a killed agent ends the client with the flow's error in
# bounded time; a killed client lets the agent free its threads.
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || { echo "skip: strace missing (scripts/deps.sh)"; exit 77; }
start_agent
threads() { ls /proc/"$AGENT_PID"/task | wc -l; }
base_threads=$(threads)

# count SYSCALL FILE: the calls strace -c counted (0 if none)
count() { awk -v s="$1" '$NF == s { print $4; f = 1 } END { if (!f) print 0 }' "$2"; }

strace -f -c -o "$TL_TMP/solo.st" "$TCPLAB" rr 127.0.0.1 -p "$AGENT_PORT" -P 1 -t 2 -i 0 --json \
    >"$TL_TMP/solo.json" || fail "solo rr: exit $?"
tx=$(jq .end.sum.transactions "$TL_TMP/solo.json")
waits=$(( $(count epoll_pwait2 "$TL_TMP/solo.st") + $(count epoll_wait "$TL_TMP/solo.st") ))
recvs=$(count recvfrom "$TL_TMP/solo.st")
[ "$tx" -gt 500 ] && pass "solo rr: $tx transactions" || fail "solo rr: $tx transactions"
[ "$waits" -lt $((tx / 10)) ] && pass "solo rr: $waits epoll waits for $tx transactions" ||
    fail "solo rr: $waits epoll waits for $tx transactions (the blocking path was not taken)"
[ "$recvs" -le $((tx + tx / 10 + 50)) ] && pass "solo rr: $recvs recv calls for $tx transactions" ||
    fail "solo rr: $recvs recv calls for $tx transactions"
check "solo rr: latency samples for every transaction" '.end.sum.latency.count >= .end.sum.transactions and .end.failed_flows == 0' "$TL_TMP/solo.json"

strace -f -c -o "$TL_TMP/epoll.st" "$TCPLAB" rr 127.0.0.1 -p "$AGENT_PORT" -P 2 -T 1 -t 2 -i 0 --json \
    >"$TL_TMP/epoll.json" || fail "epoll rr: exit $?"
tx=$(jq .end.sum.transactions "$TL_TMP/epoll.json")
recvs=$(count recvfrom "$TL_TMP/epoll.st")
[ "$tx" -gt 500 ] && pass "epoll rr: $tx transactions" || fail "epoll rr: $tx transactions"
[ "$recvs" -le $((tx + tx / 2 + 50)) ] && pass "epoll rr: $recvs recv calls for $tx transactions (short reads end the read)" ||
    fail "epoll rr: $recvs recv calls for $tx transactions (reads went on to EAGAIN)"

# The client killed mid-test: the agent's blocked worker sees the EOF and the test is freed.
"$TCPLAB" rr 127.0.0.1 -p "$AGENT_PORT" -P 1 -t 30 >/dev/null 2>&1 &
victim=$!
sleep 1
[ "$(threads)" -gt "$base_threads" ] && pass "client kill: the test was running" || fail "client kill: test not running"
kill -9 "$victim"; wait "$victim" 2>/dev/null
freed=0
for i in $(seq 1 50); do
    [ "$(threads)" -le "$base_threads" ] && { freed=1; break; }
    sleep 0.1
done
[ $freed = 1 ] && pass "client kill: the agent freed its threads" ||
    fail "client kill: agent threads $(threads), base $base_threads"

# The agent killed mid-test: the client's blocked worker sees the EOF; the client ends by
# itself (well before its -t 30) and says the flow failed.
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
start_agent
"$TCPLAB" rr 127.0.0.1 -p "$AGENT_PORT" -P 1 -t 30 --json >"$TL_TMP/dead.json" 2>"$TL_TMP/dead.err" &
client=$!
sleep 1
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
ended=0
for i in $(seq 1 100); do
    kill -0 "$client" 2>/dev/null || { ended=1; break; }
    sleep 0.1
done
if [ $ended = 1 ]; then
    wait "$client"; rc=$?
    [ $rc -ne 0 ] && pass "agent kill: the client ended by itself, exit $rc" || fail "agent kill: exit 0"
else
    fail "agent kill: the client still runs 10 s after the agent died"
    kill "$client"; wait "$client" 2>/dev/null
fi
finish
