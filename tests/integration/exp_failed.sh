#!/usr/bin/env bash
# A point that cannot run (a congestion control this kernel does not have) is recorded as
# failed with its reason, and the campaign goes on to the next point; exit status 1. An
# agent that dies during a campaign is started again, a testbed whose forwarder dies is made
# again: the runs after them are ok.
. "$(dirname "$0")/exp_lib.sh"
DB=$TL_TMP/f.db
setsid "$TCPLAB" exp run --rate 20mbit --rtt 10ms --cc nosuchcc:1,cubic:1 --cc cubic --flows 2 \
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
# The agent killed (by its PID) after the first run, while the second (2 s) runs: at most the
# run it was serving fails, and the runs after it get a new agent.
DB2=$TL_TMP/agent.db
setsid "$TCPLAB" exp run --rate 20mbit --rtt 10ms --buffer 1bdp,2bdp,3bdp,4bdp --flows 1 -t 2s --warmup 0 \
    --order in-order -o "$DB2" 2>"$TL_TMP/err2" &
PID=$!
for _ in $(seq 1 600); do
    [ "$(q "$DB2" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)" -ge 1 ] && break
    sleep 0.1
done
agent=$(pgrep -P "$PID" -f -- "serve --no-auth --port 0 --port-file /tmp/tcplab-exp" | head -1)
[ -n "$agent" ] && kill "$agent" && pass "killed the campaign's agent ($agent)" || fail "no agent found under $PID"
wait "$PID"
nothing_left "$PID"
eq "every run recorded" "$(q "$DB2" "SELECT count(*) FROM runs")" 4
eq "at most the run being served failed" "$(q "$DB2" "SELECT count(*) <= 1 FROM runs WHERE status = 'failed'")" 1
eq "the last run, after a new agent, is ok" "$(q "$DB2" "SELECT status FROM runs WHERE point = 3")" ok

# The testbed's forwarder killed (by its recorded PID) during the second run.
DB3=$TL_TMP/fwd.db
setsid "$TCPLAB" exp run --rate 20mbit --rtt 10ms --buffer 1bdp,2bdp,3bdp,4bdp --flows 1 -t 2s --warmup 0 \
    --order in-order -o "$DB3" 2>"$TL_TMP/err3" &
PID=$!
for _ in $(seq 1 600); do
    [ "$(q "$DB3" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)" -ge 1 ] && break
    sleep 0.1
done
fwd=$(jq -r .forwarder_pid "/run/tcplab/testbed/exp$PID/testbed.json" 2>/dev/null)
[ -n "$fwd" ] && [ "$fwd" != null ] && kill -9 "$fwd" && pass "killed the forwarder ($fwd)" ||
    fail "no forwarder of exp$PID"
wait "$PID"
nothing_left "$PID"
eq "every run recorded" "$(q "$DB3" "SELECT count(*) FROM runs")" 4
eq "at most the run in progress failed" "$(q "$DB3" "SELECT count(*) <= 1 FROM runs WHERE status = 'failed'")" 1
eq "the last run, on a fresh testbed, is ok" "$(q "$DB3" "SELECT status FROM runs WHERE point = 3")" ok
finish
