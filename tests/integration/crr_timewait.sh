#!/usr/bin/env bash
# crr: one connection per transaction leaves TIME_WAIT sockets on the side that closes first,
# counted through sock_diag and cross-checked with ss; --linger0 leaves none; batching
# (--requests-per-conn) cuts the connection rate. Runs in a namespace of its own so the
# counts are this test's alone.
. "$(dirname "$0")/lib.sh"
NS=tl-crr-tw-$$
ip netns add "$NS" || { echo "skip: cannot create a network namespace"; exit 77; }
cleanup_ns() { ip netns del "$NS" 2>/dev/null; }
trap 'tl_cleanup; cleanup_ns' EXIT
ip -n "$NS" link set lo up
in_ns() { ip netns exec "$NS" "$@"; }

pf=$TL_TMP/port
ip netns exec "$NS" "$TCPLAB" serve --bind 127.0.0.1 --port 0 --port-file "$pf" >/dev/null 2>"$TL_TMP/agent.log" &
TL_PIDS+=("$!")
for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
port=$(cat "$pf")

out=$TL_TMP/k1.json
# At a set rate: unpaced, a fast host used up the ports connect() prefers (about half the
# ephemeral range, 14.2k) in the first second, and TIME_WAIT could not grow in the second.
in_ns "$TCPLAB" crr 127.0.0.1 -p "$port" -P 2 -t 2 --rate 3000 --json >"$out" || fail "crr K=1: exit $?"
check "crr K=1: connections made and counted" '.end.sum.connects > 500 and .end.sum.connects_per_second > 250' "$out"
check "crr K=1: TIME_WAIT grows on the client, interval by interval" \
    '.intervals[0].sum.time_wait_client > 100 and .intervals[-1].sum.time_wait_client > .intervals[0].sum.time_wait_client' "$out"
check "crr K=1: one connection per transaction" '(.end.sum.connects - .end.sum.transactions | fabs) <= 4' "$out"
crr_port=$(jq -r .start.crr.port "$out")
ss_tw=$(in_ns ss -Htan state time-wait "( dport = :$crr_port )" | wc -l)
peak=$(jq -r .end.sum.time_wait_peak_client "$out")
# TIME_WAIT lasts 60 s: what ss sees now is at least what the test saw at its last sample.
[ "$ss_tw" -ge "$peak" ] && [ "$peak" -gt 0 ] && pass "crr K=1: sock_diag peak $peak <= ss count $ss_tw" \
    || fail "crr K=1: peak $peak vs ss $ss_tw"

out=$TL_TMP/linger.json
in_ns "$TCPLAB" crr 127.0.0.1 -p "$port" -P 2 -t 1.5 --linger0 --json >"$out" || fail "crr linger0: exit $?"
crr_port=$(jq -r .start.crr.port "$out")
check "crr --linger0: connections made" '.end.sum.connects > 500' "$out"
check "crr --linger0: no TIME_WAIT on the client" '.end.sum.time_wait_peak_client == 0' "$out"
n=$(in_ns ss -Htan state time-wait "( dport = :$crr_port )" | wc -l)
[ "$n" -eq 0 ] && pass "crr --linger0: ss agrees (0)" || fail "crr --linger0: ss shows $n"

out=$TL_TMP/server.json
in_ns "$TCPLAB" crr 127.0.0.1 -p "$port" -P 2 -t 1.5 --close server --json >"$out" || fail "crr close server: exit $?"
crr_port=$(jq -r .start.crr.port "$out")
check "crr --close server: the client holds no TIME_WAIT" '.end.sum.time_wait_peak_client == 0' "$out"
n=$(in_ns ss -Htan state time-wait "( sport = :$crr_port )" | wc -l)
[ "$n" -gt 100 ] && pass "crr --close server: the server side holds them ($n)" || fail "crr --close server: server TIME_WAIT $n"

out=$TL_TMP/k100.json
in_ns "$TCPLAB" crr 127.0.0.1 -p "$port" -P 2 -t 1.5 --requests-per-conn 100 --json >"$out" || fail "crr K=100: exit $?"
check "crr K=100: 100 transactions per connection" \
    '(.end.sum.transactions / (.end.sum.connects | if . == 0 then 1 else . end)) > 90' "$out"
finish
