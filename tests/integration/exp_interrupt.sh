#!/usr/bin/env bash
# Ctrl-C (SIGINT by PID) while a campaign's run is in progress (its stream running): exp run
# ends the running programs, keeps the runs finished before it, marks the campaign
# interrupted (campaign.state, and "state" in exp export --json, valid JSON), removes the
# testbed's namespaces and exits 130. A second Ctrl-C ends the programs at once and still
# removes the testbed. Resuming runs what is left and marks the campaign finished.
. "$(dirname "$0")/exp_lib.sh"

DB=$TL_TMP/int.db
ARGS=(run --rate 50mbit --rtt 10ms --buffer 1bdp --flows 1 -t 3s --warmup 0 --repeat 3
      --order in-order -o "$DB")
netns_before=$(ip netns list | awk '{print $1}' | sort)

# at_stream PID STORED: waits (at most 150 s) until STORED runs are in the database and a
# stream of the next run is running in the campaign's session.
at_stream() {
    local _ n
    for _ in $(seq 1 1500); do
        n=$(q "$DB" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
        if [ "${n:-0}" -ge "$2" ] && pgrep -s "$1" -f -- " stream " >/dev/null; then
            return 0
        fi
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# netns_of PID: the namespaces of that campaign's testbed still there.
netns_of() { ip netns list | awk '{print $1}' | grep -c "^tl-exp$1-" || true; }

# 1. One SIGINT during the second run.
setsid "$TCPLAB" exp "${ARGS[@]}" 2>"$TL_TMP/run1.err" &
PID=$!
TL_PIDS+=("$PID")
at_stream "$PID" 1 && pass "the second run's stream is running" || fail "no stream of the second run"
[ "$(netns_of "$PID")" -gt 0 ] && pass "the testbed's namespaces exist during the run" || fail "no namespace of exp$PID"
sleep 1
kill -INT "$PID"
wait "$PID"
eq "interrupted campaign exits with 130" "$?" 130
nothing_left "$PID"
eq "the run finished before the interrupt is kept, the one in progress is not stored" \
    "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok'")" 1
eq "no rows without a run" "$(q "$DB" "SELECT count(*) FROM flows WHERE (point, rep) NOT IN (SELECT point, rep FROM runs)")" 0
eq "campaign.state" "$(q "$DB" "SELECT state FROM campaign")" interrupted
# (A run that ended on its own just before the signal, e.g. failed on a starved machine, is
# stored as failed: it is counted, and resuming runs it again.)
grep -qE "1 runs ok, [01] failed, 0 already done, [12] not run" "$TL_TMP/run1.err" &&
    grep -q "interrupted (the campaign is marked so in" "$TL_TMP/run1.err" &&
    pass "the summary of what ran, marked interrupted, with how to resume" ||
    fail "summary: $(tail -3 "$TL_TMP/run1.err")"
"$TCPLAB" exp export "$DB" --json >"$TL_TMP/export.json"
check "exp export --json: valid, the campaign marked interrupted" \
    '.campaign.state == "interrupted" and (.points | length) == 1 and .points[0].runs_ok == 1' "$TL_TMP/export.json"

# 2. Two SIGINTs during the next run: the programs are ended at once, the testbed removed.
setsid "$TCPLAB" exp "${ARGS[@]}" 2>"$TL_TMP/run2.err" &
PID2=$!
TL_PIDS+=("$PID2")
at_stream "$PID2" 1 && pass "resumed: a stream is running" || fail "resumed: no stream"
sleep 0.5
kill -INT "$PID2"
sleep 0.1
kill -INT "$PID2"
wait "$PID2"
eq "twice interrupted campaign exits with 130" "$?" 130
grep -q "interrupted again: ending the programs now" "$TL_TMP/run2.err" && pass "the second Ctrl-C is acknowledged" ||
    fail "no second note: $(tail -3 "$TL_TMP/run2.err")"
nothing_left "$PID2"
eq "campaign.state after the second interrupt" "$(q "$DB" "SELECT state FROM campaign")" interrupted
eq "still one run ok" "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok'")" 1

# 3. Resumed to the end: finished, every run once.
exp_run_all "$DB" "${ARGS[@]:1:${#ARGS[@]}-3}"
eq "resumed campaign exits 0" "$?" 0
eq "runs ok" "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok'")" 3
eq "campaign.state after the resume" "$(q "$DB" "SELECT state FROM campaign")" finished

# Only namespaces that were there before remain.
netns_after=$(ip netns list | awk '{print $1}' | sort)
new=$(comm -13 <(echo "$netns_before") <(echo "$netns_after") | grep -c -E "^tl-exp($PID|$PID2)-" || true)
eq "no namespace of these campaigns is left" "$new" 0
finish
