#!/usr/bin/env bash
# A point that cannot run (a congestion control this kernel does not have) is recorded as
# failed with its reason, and the campaign goes on to the next point; exit status 1.
. "$(dirname "$0")/exp_lib.sh"
DB=$TL_TMP/f.db
"$TCPLAB" exp run --rate 20mbit --rtt 10ms --cc nosuchcc:1,cubic:1 --cc cubic --flows 2 \
    -t 1s --warmup 0 --order in-order -o "$DB" 2>"$TL_TMP/err" &
PID=$!
wait "$PID"
eq "exit status with a failed point" "$?" 1
nothing_left "$PID"
eq "the failed run is recorded" "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'failed' AND reason LIKE '%nosuchcc%'")" 1
eq "the next point ran" "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok'")" 1
eq "no flow rows for the failed run" "$(q "$DB" "SELECT count(*) FROM flows f JOIN runs r USING (point, rep) WHERE r.status = 'failed'")" 0
grep -q "failed: .*nosuchcc" "$TL_TMP/err" && pass "the failure is shown with its reason" ||
    fail "no failure line: $(cat "$TL_TMP/err")"
finish
