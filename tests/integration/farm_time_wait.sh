#!/usr/bin/env bash
# farm per-request, batch 1: every request leaves one TIME_WAIT socket on the worker's side
# (the worker closes first). The count sampled through sock_diag must grow during the run and
# match what ss(8) sees afterwards; with persistent connections there is no such pile.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "skip: needs jq"; exit 77; }
command -v ss >/dev/null || { echo "skip: needs ss"; exit 77; }

out=$TL_TMP/perreq.json
timeout 60 "$TCPLAB" farm --jobs 3000 --batch 1 --connection per-request --sample-interval 100ms \
    --json >"$out"
rc=$?
port=$(jq -r .port "$out")
# Right after the run: TIME_WAIT lasts 60 s and nothing else talks to this port.
ss_port=$(ss -tanH state time-wait "( dport = :$port )" | wc -l)
ss_all=$(ss -tan state time-wait | wc -l)
echo "TIME_WAIT to port $port: farm (sock_diag) start $(jq .time_wait.start "$out")," \
     "peak $(jq .time_wait.peak "$out"), end $(jq .time_wait.end "$out"); ss $ss_port (all: $ss_all)"
[ "$rc" -eq 0 ] && pass "per-request run: exit 0" || fail "exit $rc"
check "exact total over 3000 jobs" '.result.verdict == "PASS" and .result.primes == 348513' "$out"
check "one connection per request" \
    '.workers.connections >= 3000 and .workers.connections == .server_stats.connections_accepted' "$out"
check "TIME_WAIT grew during the run: none at the start, then rising samples [s, count]" \
    '.time_wait.start == 0 and (.time_wait.series | length >= 2)
     and ([.time_wait.series[] | .[1]] | . == sort)
     and ([.time_wait.series[] | .[1] | select(. > 0 and . < 3000)] | length >= 1)' "$out"
check "about one TIME_WAIT socket per connection" \
    '.time_wait.end >= (.workers.connections * 0.9)' "$out"
[ "$ss_port" -eq "$(jq .time_wait.end "$out")" ] \
    && pass "ss counts the same $ss_port TIME_WAIT sockets to port $port" \
    || fail "ss counts $ss_port, farm's sock_diag count was $(jq .time_wait.end "$out")"
[ "$ss_all" -ge "$ss_port" ] && pass "'ss -tan state time-wait | wc -l' = $ss_all includes them" \
    || fail "ss total $ss_all below $ss_port"
check "the report quotes the ports and the ceiling" \
    '.ports.usable > 0 and .predicted_ceiling_conn_per_s > 0 and (.summary | startswith("per-request batch 1: "))' "$out"

out=$TL_TMP/persistent.json
timeout 60 "$TCPLAB" farm --jobs 3000 --batch 1000 --connection persistent --json >"$out"
port=$(jq -r .port "$out")
ss_port=$(ss -tanH state time-wait "( dport = :$port )" | wc -l)
check "persistent: exact, one connection per worker" \
    '.result.verdict == "PASS" and .workers.connections == 5' "$out"
[ "$ss_port" -le 5 ] && pass "persistent: $ss_port TIME_WAIT sockets (one per worker at most)" \
    || fail "persistent: $ss_port TIME_WAIT sockets"
finish
