#!/usr/bin/env bash
# A quick campaign (2 AQMs x 2 buffers x 2 repetitions, cubic vs bbr, a latency probe) on a
# real testbed into a real SQLite file, interrupted with SIGINT (to its process group, as a
# terminal's Ctrl-C) after its first runs and
# resumed: the database stays consistent, ends with every run exactly once, the row counts
# are what the matrix implies, and the stored metrics recompute from the per-flow rows.
. "$(dirname "$0")/exp_lib.sh"
grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null ||
    modprobe tcp_bbr 2>/dev/null || true
grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control ||
    { echo "skip: no bbr in this kernel"; exit 77; }

DB=$TL_TMP/fair.db
ARGS=(run --rate 20mbit --rtt 20ms --buffer 0.5bdp,2bdp --aqm taildrop,codel
      --cc cubic:1,bbr:1 --flows 2 -t 2s --warmup 1s --repeat 2 --probe=20 --seed 7 -o "$DB")

setsid "$TCPLAB" exp "${ARGS[@]}" 2>"$TL_TMP/run1.err" &
PID=$!
# Interrupt once two runs are stored (at most 150 s: a loaded machine is slow).
for _ in $(seq 1 1500); do
    n=$(q "$DB" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
    [ "${n:-0}" -ge 2 ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
done
# As Ctrl-C on a terminal does: SIGINT to the whole process group (setsid made exp its
# leader; the programs it runs have groups of their own and are ended by exp itself).
kill -INT -- -"$PID"
wait "$PID"
rc=$?
eq "interrupted run exits with 130" "$rc" 130
nothing_left "$PID"
done1=$(q "$DB" "SELECT count(*) FROM runs")
[ "$done1" -ge 2 ] && [ "$done1" -lt 8 ] && pass "interrupted after $done1 of 8 runs" ||
    fail "runs after the interrupt: $done1 (want 2..7)"
# No half-written run: every table's rows belong to a stored run.
for t in flows intervals queue latency groups metrics; do
    eq "$t: no rows without a run after the interrupt" \
        "$(q "$DB" "SELECT count(*) FROM $t WHERE (point, rep) NOT IN (SELECT point, rep FROM runs)")" 0
done
grep -q "resume" "$TL_TMP/run1.err" && pass "the interrupt says how to resume" ||
    fail "no resume hint: $(tail -2 "$TL_TMP/run1.err")"

setsid "$TCPLAB" exp "${ARGS[@]}" 2>"$TL_TMP/run2.err" &
PID2=$!
wait "$PID2"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] && pass "resumed run finished (exit $rc)" || fail "resumed run: exit $rc"
[ "$rc" = 0 ] || { tail -5 "$TL_TMP/run2.err"; q "$DB" "SELECT point, rep, reason FROM runs WHERE status = 'failed'"; }
nothing_left "$PID2"
grep -q "$done1 already done" "$TL_TMP/run2.err" && pass "resume skipped the $done1 done runs" ||
    fail "resume did not skip: $(tail -1 "$TL_TMP/run2.err")"
if [ "$rc" = 1 ]; then   # a run failed in the engine under load: resume once more runs it again
    exp_run_all "$DB" "${ARGS[@]:1:${#ARGS[@]}-3}"
    eq "a second resume runs the failed runs again and exits 0" "$?" 0
fi

eq "points" "$(q "$DB" "SELECT count(*) FROM points")" 4
eq "runs, all ok" "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok'")" 8
eq "runs: no duplicates" "$(q "$DB" "SELECT count(*) FROM (SELECT DISTINCT point, rep FROM runs)")" 8
eq "flows: 2 per run" "$(q "$DB" "SELECT count(*) FROM flows")" 16
eq "metrics: one per run" "$(q "$DB" "SELECT count(*) FROM metrics")" 8
eq "groups: cubic, bbr and one RTT group per run" "$(q "$DB" "SELECT count(*) FROM groups")" 24
eq "runs with interval rows" "$(q "$DB" "SELECT count(DISTINCT point || '/' || rep) FROM intervals")" 8
eq "runs with a queue series" "$(q "$DB" "SELECT count(DISTINCT point || '/' || rep) FROM queue")" 8
eq "runs with a latency histogram" "$(q "$DB" "SELECT count(DISTINCT point || '/' || rep) FROM latency")" 8
eq "interval rows: flows x intervals, once each" \
    "$(q "$DB" "SELECT count(*) = count(DISTINCT point || '/' || rep || '/' || flow || '/' || k) FROM intervals")" 1
eq "campaign facts" "$(q "$DB" "SELECT count(*) FROM campaign WHERE version != '' AND kernel = '$(uname -r)' AND command LIKE 'tcplab exp run%'")" 1

# The metrics recompute from the per-flow rows (docs/exp-schema.md).
bad=$(q "$DB" "
WITH f AS (SELECT point, rep, sum(bps) AS s, sum(bps * bps) AS s2, count(*) AS n,
                  sum(CASE WHEN cc = 'cubic' THEN bps ELSE 0 END) AS cubic,
                  sum(CASE WHEN cc = 'bbr' THEN bps ELSE 0 END) AS bbr,
                  sum(retransmits) AS rx FROM flows GROUP BY point, rep)
SELECT count(*) FROM metrics m JOIN f USING (point, rep) JOIN points p USING (point)
WHERE abs(m.goodput_bps - f.s) > 1e-6 * f.s
   OR abs(m.jain - f.s * f.s / (f.n * f.s2)) > 1e-9
   OR abs(m.utilisation - f.s / (p.rate_bps * 1448.0 / 1514.0)) > 1e-9
   OR abs(m.cc_share - f.cubic / f.s) > 1e-9
   OR abs(m.cc_ratio - f.cubic / f.bbr) > 1e-6 * (f.cubic / f.bbr)
   OR m.retransmits != f.rx")
eq "metrics that do not recompute from the flows" "$bad" 0
# What must hold whatever the load: bytes moved, and no more than the link carries in the
# window plus the largest buffer (2 BDP = 40 ms) draining into it: 1 + 0.04 / 2 s, with margin.
eq "utilisation in (0, 1.15] in every run" \
    "$(q "$DB" "SELECT count(*) FROM metrics WHERE NOT (utilisation > 0 AND utilisation <= 1.15)")" 0
eq "queue delay p99 >= p50 and both present" \
    "$(q "$DB" "SELECT count(*) FROM metrics WHERE qdelay_p99_ms IS NULL OR qdelay_p99_ms < qdelay_p50_ms")" 0
eq "latency under load present and >= the RTT" \
    "$(q "$DB" "SELECT count(*) FROM metrics WHERE latency_p50_ms IS NULL OR latency_p50_ms < 19")" 0
drops=$(q "$DB" "SELECT sum(drops) FROM metrics")
[ "$drops" -gt 0 ] && pass "the bottleneck dropped packets ($drops)" || fail "no drops recorded"

"$TCPLAB" exp export "$DB" --csv >"$TL_TMP/e.csv" && pass "export --csv" || fail "export --csv"
eq "export: header + one line per point" "$(wc -l <"$TL_TMP/e.csv")" 5
"$TCPLAB" exp export "$DB" --json >"$TL_TMP/e.json" && pass "export --json" || fail "export --json"
check "export --json: 4 points, 2 runs each, jain mean in 0..1" \
    '(.points | length == 4) and all(.points[]; .runs_ok == 2 and .metrics.jain.mean > 0 and .metrics.jain.mean <= 1 and .metrics.jain.n == 2)' "$TL_TMP/e.json"
finish
