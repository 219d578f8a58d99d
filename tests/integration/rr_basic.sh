#!/usr/bin/env bash
# rr: percentiles present and ordered, closed and open loop, the histogram export, bad input.
. "$(dirname "$0")/lib.sh"
start_agent

out=$TL_TMP/rr.json
"$TCPLAB" rr 127.0.0.1 -p "$AGENT_PORT" -P 4 -T 2 -t 2 -i 500ms --json >"$out" || fail "rr: exit $?"
check "rr: transactions counted" '.end.sum.transactions > 1000 and .end.sum.transactions_per_second > 500' "$out"
check "rr: percentiles present and ordered" \
    '.end.sum.latency | .count > 0 and .min_ns > 0 and .min_ns <= .p50_ns and .p50_ns <= .p90_ns and .p90_ns <= .p99_ns and .p99_ns <= .p999_ns and .p999_ns <= .max_ns' "$out"
check "rr: every latency sample is a transaction" '.end.sum.latency.count >= .end.sum.transactions' "$out"
check "rr: per-interval percentiles too" '([.intervals[].sum.latency | .p50_ns <= .p99_ns and .count > 0] | all) and (.intervals | length) >= 4' "$out"
check "rr: each end's machine reported" "[.end.machine_cpu.client, .end.machine_cpu.agent] | all(.cpus == $(nproc) and .steal_percent >= 0 and .steal_percent <= 100)" "$out"
check "rr: per-flow spread and fairness" '.end.sum.flows | .count == 4 and .min <= .median and .median <= .max and .jain > 0.5' "$out"
check "rr: interval transactions add up to the total" \
    '([.intervals[].sum.transactions] | add) == .end.sum.transactions' "$out"
check "rr: the histogram travels in the document" '.end.latency_histogram.buckets | length > 0' "$out"

out=$TL_TMP/open.json
"$TCPLAB" rr 127.0.0.1 -p "$AGENT_PORT" -P 2 -t 2 --rate 1000 --request 100 --response 1000 --json >"$out" || fail "open loop: exit $?"
check "rr open loop: 1000/s for 2 s gives about 2000 transactions" \
    '.end.sum.transactions >= 1900 and .end.sum.transactions <= 2100' "$out"
check "rr open loop: latency measured from the schedule" '.end.sum.latency.p50_ns > 0' "$out"

"$TCPLAB" rr 127.0.0.1 -p "$AGENT_PORT" -t 1 --histogram="$TL_TMP/hist.csv" >/dev/null || fail "histogram: exit $?"
head -1 "$TL_TMP/hist.csv" | grep -q '^low_ns,high_ns,count$' && pass "histogram: CSV header" || fail "histogram header"
total=$(tail -n +2 "$TL_TMP/hist.csv" | awk -F, '{s += $3} END {print s+0}')
[ "$total" -gt 1000 ] && pass "histogram: $total samples in buckets" || fail "histogram: $total samples"
awk -F, 'NR > 1 && $1 > $2 {bad = 1} END {exit bad}' "$TL_TMP/hist.csv" && pass "histogram: buckets low <= high" || fail "histogram: bucket order"

err=$("$TCPLAB" rr 127.0.0.1 --requests-per-conn 3 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q "applies to crr" && pass "rr: crr-only option refused" || fail "rr: $err"
err=$("$TCPLAB" rr 127.0.0.1 --request 0 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q -- '--request "0": out of range' && pass "rr: zero request refused" || fail "rr: $err"
finish
