#!/usr/bin/env bash
# The seed 002 wall, made to happen in seconds: inside a namespace of this test, the ephemeral
# port range is narrowed to 101 ports and TIME_WAIT reuse is off, so one-connection-per-job
# exhausts the ports. crr must say so in one clear line, count the failed attempts, keep going,
# end on time and print valid JSON.
. "$(dirname "$0")/lib.sh"
NS=tl-crr-ex-$$
ip netns add "$NS" || { echo "skip: cannot create a network namespace"; exit 77; }
trap 'tl_cleanup; ip netns del "$NS" 2>/dev/null' EXIT
ip -n "$NS" link set lo up
in_ns() { ip netns exec "$NS" "$@"; }
in_ns sysctl -qw net.ipv4.ip_local_port_range="40000 40100"
in_ns sysctl -qw net.ipv4.tcp_tw_reuse=0

pf=$TL_TMP/port
ip netns exec "$NS" "$TCPLAB" serve --bind 127.0.0.1 --port 5299 --port-file "$pf" >/dev/null 2>"$TL_TMP/agent.log" &
TL_PIDS+=("$!")
for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done

out=$TL_TMP/ex.json
t0=$(date +%s%N)
in_ns "$TCPLAB" crr 127.0.0.1 -P 4 -t 4 --json >"$out" 2>"$TL_TMP/err.txt"
rc=$?
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
[ $rc -eq 0 ] && pass "exhaustion: the test itself completed (exit 0)" || fail "exhaustion: exit $rc"
jq -e . "$out" >/dev/null && pass "exhaustion: valid JSON" || fail "exhaustion: invalid JSON"
check "exhaustion: the ceiling was predicted from the narrowed range (101 ports / 60 s)" \
    '.start.crr.ports_in_range == 101 and .start.crr.predicted_max_connections_per_second == 1' "$out"
check "exhaustion: failed attempts counted" '.end.sum.connect_failures.addrnotavail > 0' "$out"
check "exhaustion: the warning names the cause and the remedies" \
    '[.start.warnings[] | test("EADDRNOTAVAIL") and test("ephemeral ports") and test("--requests-per-conn")] | any' "$out"
check "exhaustion: failures are not counted as connections" '.end.sum.connects <= 101' "$out"
grep -q "EADDRNOTAVAIL" "$TL_TMP/err.txt" && pass "exhaustion: one line on stderr while it ran" || fail "exhaustion: no stderr line"
[ "$(grep -c EADDRNOTAVAIL "$TL_TMP/err.txt")" -eq 1 ] && pass "exhaustion: said once, not per failure" || fail "exhaustion: said $(grep -c EADDRNOTAVAIL "$TL_TMP/err.txt") times"
# 4 s planned; a wait on a connect or stall timeout (5 s) would take it past 9 s
[ "$ms" -lt 7000 ] && pass "exhaustion: ended on time (${ms} ms for a 4 s test)" || fail "exhaustion: took ${ms} ms"
finish
