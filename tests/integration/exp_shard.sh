#!/usr/bin/env bash
# --shard K/N and exp merge: two shards run and merged hold exactly the points and runs of
# one unsharded run of the same campaign, with the shards' metrics copied unchanged; a
# database of another campaign, or a shard given twice, is refused.
. "$(dirname "$0")/exp_lib.sh"
A=(run --rate 20mbit --rtt 10ms --buffer 1bdp,2bdp --aqm taildrop,pie --flows 1 -t 1s
   --warmup 0 --order in-order)
exp_run_all "$TL_TMP/all.db" "${A[@]:1}"; eq "unsharded run" "$?" 0
exp_run_all "$TL_TMP/s1.db" "${A[@]:1}" --shard 1/2; eq "shard 1/2" "$?" 0
exp_run_all "$TL_TMP/s2.db" "${A[@]:1}" --shard 2/2; eq "shard 2/2" "$?" 0
eq "shard 1 ran points 0 and 2" "$(q "$TL_TMP/s1.db" "SELECT group_concat(point) FROM (SELECT point FROM runs ORDER BY point)")" "0,2"
eq "shard 2 ran points 1 and 3" "$(q "$TL_TMP/s2.db" "SELECT group_concat(point) FROM (SELECT point FROM runs ORDER BY point)")" "1,3"
"$TCPLAB" exp merge "$TL_TMP/s1.db" "$TL_TMP/s2.db" -o "$TL_TMP/m.db" 2>"$TL_TMP/merge.err"
eq "merge" "$?" 0
eq "merged runs = unsharded runs" \
    "$(q "$TL_TMP/m.db" "SELECT group_concat(point || '/' || rep || '/' || status) FROM (SELECT * FROM runs ORDER BY point, rep)")" \
    "$(q "$TL_TMP/all.db" "SELECT group_concat(point || '/' || rep || '/' || status) FROM (SELECT * FROM runs ORDER BY point, rep)")"
eq "merged points = unsharded points" \
    "$(q "$TL_TMP/m.db" "SELECT group_concat(point || rate || rtt || buffer || aqm || buffer_bytes) FROM (SELECT * FROM points ORDER BY point)")" \
    "$(q "$TL_TMP/all.db" "SELECT group_concat(point || rate || rtt || buffer || aqm || buffer_bytes) FROM (SELECT * FROM points ORDER BY point)")"
eq "merged metrics rows = unsharded metrics rows" \
    "$(q "$TL_TMP/m.db" "SELECT group_concat(point || '/' || rep) FROM (SELECT * FROM metrics ORDER BY point)")" \
    "$(q "$TL_TMP/all.db" "SELECT group_concat(point || '/' || rep) FROM (SELECT * FROM metrics ORDER BY point)")"
sql="SELECT group_concat(point || ':' || goodput_bps || ':' || jain || ':' || qdelay_p99_ms) FROM (SELECT * FROM metrics ORDER BY point)"
eq "merged metrics are the shards' metrics, unchanged" "$(q "$TL_TMP/m.db" "$sql")" \
    "$(sqlite3 -batch -noheader "$TL_TMP/s1.db" "ATTACH '$TL_TMP/s2.db' AS b; SELECT group_concat(point || ':' || goodput_bps || ':' || jain || ':' || qdelay_p99_ms) FROM (SELECT * FROM main.metrics UNION ALL SELECT * FROM b.metrics ORDER BY point)")"
for t in flows intervals queue groups; do
    eq "merged $t rows = shards' rows" "$(q "$TL_TMP/m.db" "SELECT count(*) FROM $t")" \
        "$(( $(q "$TL_TMP/s1.db" "SELECT count(*) FROM $t") + $(q "$TL_TMP/s2.db" "SELECT count(*) FROM $t") ))"
done
"$TCPLAB" exp export "$TL_TMP/m.db" --csv >/dev/null && pass "the merged database exports" || fail "export of the merge"

"$TCPLAB" exp merge "$TL_TMP/s1.db" "$TL_TMP/s1.db" -o "$TL_TMP/twice.db" 2>"$TL_TMP/e1"
eq "a shard given twice is refused" "$?" 2
grep -q "disjoint" "$TL_TMP/e1" && pass "...saying shards must be disjoint" || fail "message: $(cat "$TL_TMP/e1")"
[ -e "$TL_TMP/twice.db" ] && fail "a refused merge left its output" || pass "a refused merge leaves no output"
"$TCPLAB" exp run --rate 20mbit --rtt 10ms --flows 1 -t 1s --warmup 0 -o "$TL_TMP/other.db" 2>/dev/null
"$TCPLAB" exp merge "$TL_TMP/s1.db" "$TL_TMP/other.db" -o "$TL_TMP/mixed.db" 2>"$TL_TMP/e2"
eq "another campaign is refused" "$?" 2
grep -q "another campaign" "$TL_TMP/e2" && pass "...naming it" || fail "message: $(cat "$TL_TMP/e2")"
"$TCPLAB" exp run --rate 20mbit --rtt 20ms --flows 1 -t 1s -o "$TL_TMP/s1.db" 2>"$TL_TMP/e3"
eq "resuming with other axes is refused" "$?" 2
grep -q "holds another campaign" "$TL_TMP/e3" && pass "...naming the database" || fail "message: $(cat "$TL_TMP/e3")"

# Two campaigns into one file at once: the second is refused while the first runs.
setsid "$TCPLAB" exp "${A[@]}" -o "$TL_TMP/busy.db" 2>/dev/null &
PID=$!
for _ in $(seq 1 600); do   # the first run holds the lock once its points are in (30 s at most)
    [ "$(q "$TL_TMP/busy.db" "SELECT count(*) FROM points" 2>/dev/null || echo 0)" -ge 4 ] && break
    sleep 0.05
done
"$TCPLAB" exp "${A[@]}" -o "$TL_TMP/busy.db" 2>"$TL_TMP/e4"
eq "a second run into a busy database is refused" "$?" 2
grep -q "another 'tcplab exp run' is writing" "$TL_TMP/e4" && pass "...saying so" || fail "message: $(cat "$TL_TMP/e4")"
wait "$PID"
eq "the first run finishes" "$?" 0
eq "...with its 4 runs, once each" "$(q "$TL_TMP/busy.db" "SELECT count(*) FROM runs")" 4
finish
