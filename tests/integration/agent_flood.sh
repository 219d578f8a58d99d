#!/usr/bin/env bash
# Sessions before a test: 9,000 greeting-then-silent connections held 9,003
# threads and 18,013 fds, and at 'ulimit -n 1024' the accept loop spun (140,314 log lines in
# 11 s). Now: a bounded number of greeted sessions (--max-pending, --max-pending-per-host), one
# deadline for the whole greeting (--handshake-timeout, HELLO and TEST included), and a paused
# accept loop when descriptors run out.
. "$(dirname "$0")/lib.sh"
PEER=$(dirname "$0")/agent_peer.py
start_agent --handshake-timeout 2s --max-pending 20 --max-pending-per-host 8
fds() { ls /proc/"$1"/fd | wc -l; }
threads() { ls /proc/"$1"/task | wc -l; }
hold() { timeout 60 /usr/bin/python3 "$PEER" hold "$@"; }
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 --json >/dev/null || fail "warm-up: exit $?"
sleep 0.3
base_fds=$(fds "$AGENT_PID"); base_threads=$(threads "$AGENT_PID")

# 200 greet (a whole HELLO) and go silent, from one address: 8 get a session, for 2 s
hold "$AGENT_PORT" 200 8 hello src=127.0.0.2 >"$TL_TMP/h1" 2>&1 &
h1=$!; TL_PIDS+=("$h1")
max_t=0
for i in $(seq 1 15); do
    t=$(threads "$AGENT_PID"); [ "$t" -gt "$max_t" ] && max_t=$t
    sleep 0.1
done
[ "$max_t" -le $((base_threads + 8)) ] && pass "one host's flood: at most 8 sessions (threads peaked at $max_t, base $base_threads)" \
    || fail "one host's flood: threads peaked at $max_t (base $base_threads)"
# another host is served while the flood holds its 8 places
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 --json >"$TL_TMP/during.json" || fail "during the flood: exit $?"
check "during one host's flood: another host is served" '.end.sum.bytes > 0' "$TL_TMP/during.json"
wait "$h1"
grep -q "closed_by_agent 200 of 200" "$TL_TMP/h1" && pass "one host's flood: every connection closed by the agent" \
    || fail "one host's flood: $(cat "$TL_TMP/h1")"

# several hosts (8 each, 40 in all) hit the total of 20; magic only, then silence
for h in 3 4 5 6 7; do hold "$AGENT_PORT" 8 6 magic src=127.0.0.$h >"$TL_TMP/m$h" 2>&1 & TL_PIDS+=($!); done
max_t=0
for i in $(seq 1 15); do
    t=$(threads "$AGENT_PID"); [ "$t" -gt "$max_t" ] && max_t=$t
    sleep 0.1
done
[ "$max_t" -le $((base_threads + 20)) ] && pass "five hosts' flood: at most 20 sessions (threads peaked at $max_t)" \
    || fail "five hosts' flood: threads peaked at $max_t (base $base_threads)"
all_closed=1
for h in 3 4 5 6 7; do
    for i in $(seq 1 100); do grep -q closed_by_agent "$TL_TMP/m$h" && break; sleep 0.1; done
    grep -q "closed_by_agent 8 of 8" "$TL_TMP/m$h" || { all_closed=0; fail "host $h: $(cat "$TL_TMP/m$h")"; }
done
[ $all_closed = 1 ] && pass "five hosts' flood: every connection closed by the agent within the handshake timeout"
grep -q "greeting limit reached" "$TL_TMP/agent.log" && pass "refusals logged" || fail "refusals not logged"
[ "$(grep -c "greeting limit reached" "$TL_TMP/agent.log")" -le 3 ] && pass "refusals logged at most once per 10 s" \
    || fail "$(grep -c "greeting limit reached" "$TL_TMP/agent.log") refusal lines"

freed=0
for i in $(seq 1 100); do
    if [ "$(fds "$AGENT_PID")" -le "$base_fds" ] && [ "$(threads "$AGENT_PID")" -le "$base_threads" ]; then freed=1; break; fi
    sleep 0.1
done
[ $freed = 1 ] && pass "fds $(fds "$AGENT_PID")/$base_fds and threads $(threads "$AGENT_PID")/$base_threads back to baseline" \
    || fail "agent holds fds $(fds "$AGENT_PID") (base $base_fds), threads $(threads "$AGENT_PID") (base $base_threads)"

# descriptors run out: an agent at 'ulimit -n 64' and 150 connections that say nothing
pf="$TL_TMP/port.low"
( ulimit -n 64; exec "$TCPLAB" serve --bind 127.0.0.1 --port 0 --port-file "$pf" --handshake-timeout 3s \
    >/dev/null 2>"$TL_TMP/low.log" ) &
low=$!; TL_PIDS+=("$low")
for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
hold "$(cat "$pf")" 150 5 none src=127.0.0.8 >"$TL_TMP/n1" 2>&1
lines=$(grep -c "accept:" "$TL_TMP/low.log")
[ "$lines" -ge 1 ] && [ "$lines" -le 3 ] && pass "out of fds: said so in $lines line(s), no spin" \
    || fail "out of fds: $lines accept lines: $(grep -m2 "accept:" "$TL_TMP/low.log")"
cpu=$(awk '{print $14 + $15}' /proc/"$low"/stat)
# a spinning loop burns its 5 s of CPU (500 ticks); paused it uses a few
[ "$cpu" -lt 150 ] && pass "out of fds: the agent used $cpu CPU ticks in 5 s" || fail "out of fds: $cpu CPU ticks"
"$TCPLAB" stream 127.0.0.1 -p "$(cat "$pf")" -t 1 --json >"$TL_TMP/low.json" || fail "after running out: exit $?"
check "out of fds: served again once they are back" '.end.sum.bytes > 0' "$TL_TMP/low.json"
finish
