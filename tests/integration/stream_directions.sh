#!/usr/bin/env bash
# --reverse, --bidir, IPv6 and the table/CSV/JSON-lines renderers.
. "$(dirname "$0")/lib.sh"
start_agent

out=$TL_TMP/rev.json
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -P 4 -t 1.5 -R --json >"$out" || fail "reverse: exit $?"
check "reverse: all flows agent->client" '[.end.streams[].dir == "a2c"] | all' "$out"
check "reverse: client received bytes" '.end.sum.bytes > 0' "$out"
check "reverse: sender TCP_INFO comes from the agent" '.end.streams[0].sender.tcp_info.rtt > 0' "$out"

out=$TL_TMP/bidir.json
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -P 3 -t 1.5 --bidir --json >"$out" || fail "bidir: exit $?"
check "bidir: 3 flows each way" '([.end.streams[] | select(.dir == "c2a")] | length) == 3 and ([.end.streams[] | select(.dir == "a2c")] | length) == 3' "$out"
check "bidir: both directions carried data" '.end.sum_c2a.bytes > 0 and .end.sum_a2c.bytes > 0' "$out"
check "bidir: per-direction sums add to the total" '(.end.sum_c2a.bytes + .end.sum_a2c.bytes) == .end.sum.bytes' "$out"

# IPv6 loopback, if this machine has it.
if ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
    pf=$TL_TMP/port6
    "$TCPLAB" serve --bind ::1 --port 0 --port-file "$pf" >/dev/null 2>&1 &
    TL_PIDS+=("$!")
    for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
    out=$TL_TMP/v6.json
    "$TCPLAB" stream ::1 -6 -p "$(cat "$pf")" -t 1 --json >"$out" || fail "ipv6: exit $?"
    check "ipv6: bytes over [::1]" '.end.sum.bytes > 0 and .start.connecting_to.host == "::1"' "$out"
fi

"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -P 2 -t 1 -i 250ms >"$TL_TMP/table.txt" || fail "table: exit $?"
grep -q "Jain's fairness" "$TL_TMP/table.txt" && pass "table: summary line" || fail "table: no summary line"
[ "$(grep -c ' s ' "$TL_TMP/table.txt")" -ge 4 ] && pass "table: interval lines" || fail "table: too few interval lines"

"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -P 2 -t 1 -i 250ms --json-lines >"$TL_TMP/ev.jsonl" || fail "jsonl: exit $?"
if jq -e -s '.[0].event == "start" and .[-1].event == "end" and ([.[] | select(.event == "interval")] | length) >= 4' "$TL_TMP/ev.jsonl" >/dev/null; then
    pass "json-lines: start, intervals, end, each line valid JSON"
else
    fail "json-lines: event sequence"
fi

"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -P 2 -t 1 -i 250ms --csv >"$TL_TMP/out.csv" || fail "csv: exit $?"
head -1 "$TL_TMP/out.csv" | grep -q '^kind,interval,' && pass "csv: header" || fail "csv: header"
[ "$(grep -c '^end_flow,' "$TL_TMP/out.csv")" -eq 2 ] && pass "csv: one end row per flow" || fail "csv: end rows"
finish
