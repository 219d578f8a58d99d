#!/usr/bin/env bash
# Ctrl-C (SIGINT by PID) while a campaign's run is in progress (its stream running): exp run
# ends the running programs, keeps the runs finished before it, marks the campaign
# interrupted (campaign.state, and "state" in exp export --json, valid JSON), removes the
# testbed's namespaces and exits 130. A second Ctrl-C ends the programs at once and still
# removes the testbed. Resuming runs what is left and marks the campaign finished.
. "$(dirname "$0")/exp_lib.sh"

DB=$TL_TMP/int.db
DB2=$TL_TMP/twice.db
AXES=(--rate 50mbit --rtt 10ms --buffer 1bdp --flows 1 -t 5s --warmup 0 --repeat 3 --order in-order)
netns_before=$(ip netns list | awk '{print $1}' | sort)

# The interrupt must land while a run's stream is running. Timing cannot promise that on a
# starved machine (a stream seen running may end before a signal sent a second later
# arrives, and its finished run is then rightly kept), so the test holds the stream still:
# SIGSTOP freezes it, the campaign is interrupted, and the stream is let go only once
# `exp run` has forwarded the SIGINT to it (or ended it). A frozen stream cannot end on its
# own, so the run in progress is the one the signal finds, and the runs in the database
# while it is frozen are the ones finished before.

# frozen_stream PID DB STORED: waits (at most 200 s) until STORED runs are in DB and a stream
# runs in the campaign's session (its PID is the session's), freezes it (SIGSTOP) and prints
# its PID. Fails if the campaign ends first. A run is stored only after its stream ended, so
# once STORED are in, any stream is of a run after them. One command a poll: on a starved
# machine a poll can take a second.
frozen_stream() {
    local s n=0
    local until=$((SECONDS + 200))
    while [ $SECONDS -lt $until ]; do
        if [ "${n:-0}" -lt "$3" ]; then
            n=$(q "$2" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
        else
            s=$(pgrep -s "$1" -f -- " stream " | head -1)
            if [ -n "$s" ] && kill -STOP "$s" 2>/dev/null; then
                stopped "$s" && { echo "$s"; return 0; }
                kill -CONT "$s" 2>/dev/null
            fi
        fi
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# netns_of PID: the namespaces of that campaign's testbed still there.
netns_of() { ip netns list | awk '{print $1}' | grep -c "^tl-exp$1-" || true; }

# stopped PID: PID shows as stopped (State T) within 5 s; false at once for a process on its
# way out (Z, X: it ended before SIGSTOP could take it, and cannot be stopped) or gone.
stopped() {
    local _ st
    for _ in $(seq 1 100); do
        st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)
        case $st in
            T) return 0 ;;
            Z|X|"") return 1 ;;
        esac
        sleep 0.05
    done
    return 1
}

# sigint_pending PID: SIGINT (bit 1) is pending for PID, or PID is gone (ended by SIGKILL).
sigint_pending() {
    local m
    [ -e "/proc/$1/status" ] || return 0
    for m in $(awk '/^(SigPnd|ShdPnd):/ {print $2}' "/proc/$1/status" 2>/dev/null); do
        [ $(( 0x$m & 2 )) -ne 0 ] && return 0
    done
    return 1
}

# wait_for COMMAND ARGS...: until it succeeds, at most 60 s.
wait_for() {
    local until=$((SECONDS + 60))
    while [ $SECONDS -lt $until ]; do "$@" && return 0; sleep 0.05; done
    return 1
}

# 1. One SIGINT during a run after the first.
setsid "$TCPLAB" exp run "${AXES[@]}" -o "$DB" 2>"$TL_TMP/run1.err" &
PID=$!
TL_PIDS+=("$PID")
S=$(frozen_stream "$PID" "$DB" 1) && pass "a stream of a run after the first is running (frozen)" ||
    fail "no stream of a run after the first"
[ "$(netns_of "$PID")" -gt 0 ] && pass "the testbed's namespaces exist during the run" || fail "no namespace of exp$PID"
# (A run can fail on a starved machine, an agent's results late: it is stored as failed,
# counted, and run again by a resume.)
STORED=$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok'")
FAILED=$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'failed'")
kill -INT "$PID"
wait_for sigint_pending "$S" && pass "exp run forwarded the interrupt to the stream" ||
    fail "the stream was never sent SIGINT"
kill -CONT "$S" 2>/dev/null
wait "$PID"
eq "interrupted campaign exits with 130" "$?" 130
nothing_left "$PID"
eq "the runs finished before the interrupt are kept, the one in progress is not stored" \
    "$(q "$DB" "SELECT count(*) FROM runs")" $((STORED + FAILED))
eq "no rows without a run" "$(q "$DB" "SELECT count(*) FROM flows WHERE (point, rep) NOT IN (SELECT point, rep FROM runs)")" 0
eq "campaign.state" "$(q "$DB" "SELECT state FROM campaign")" interrupted
grep -q "$STORED runs ok, $FAILED failed, 0 already done, $((3 - STORED - FAILED)) not run" "$TL_TMP/run1.err" &&
    grep -q "interrupted (the campaign is marked so in" "$TL_TMP/run1.err" &&
    pass "the summary of what ran ($STORED ok, $FAILED failed), marked interrupted, with how to resume" ||
    fail "summary: $(tail -3 "$TL_TMP/run1.err")"
"$TCPLAB" exp export "$DB" --json >"$TL_TMP/export.json"
check "exp export --json: valid, the campaign marked interrupted" \
    ".campaign.state == \"interrupted\" and (.points | length) == 1 and .points[0].runs_ok == $STORED" \
    "$TL_TMP/export.json"

# 2. Two SIGINTs during a run (of another campaign): the programs are ended at once, the
# testbed removed. The second is sent once the first was taken (two signals sent together
# arrive as one), while `exp run` waits (up to 3 s) for the frozen stream to end.
setsid "$TCPLAB" exp run "${AXES[@]}" -o "$DB2" 2>"$TL_TMP/run2.err" &
PID2=$!
TL_PIDS+=("$PID2")
S2=$(frozen_stream "$PID2" "$DB2" 0) && pass "second campaign: a stream is running (frozen)" ||
    fail "second campaign: no stream"
STORED2=$(q "$DB2" "SELECT count(*) FROM runs")
kill -INT "$PID2"
wait_for grep -q "interrupted: ending the running test" "$TL_TMP/run2.err" ||
    fail "the first Ctrl-C was not taken: $(tail -3 "$TL_TMP/run2.err")"
kill -INT "$PID2"
wait "$PID2"
eq "twice interrupted campaign exits with 130" "$?" 130
grep -q "interrupted again: ending the programs now" "$TL_TMP/run2.err" && pass "the second Ctrl-C is acknowledged" ||
    fail "no second note: $(tail -3 "$TL_TMP/run2.err")"
nothing_left "$PID2"
eq "campaign.state after the second interrupt" "$(q "$DB2" "SELECT state FROM campaign")" interrupted
eq "the run in progress is not stored" "$(q "$DB2" "SELECT count(*) FROM runs")" "$STORED2"

# 3. Resumed to the end: finished, every run once.
exp_run_all "$DB" "${AXES[@]}"
eq "resumed campaign exits 0" "$?" 0
eq "runs ok" "$(q "$DB" "SELECT count(*) FROM runs WHERE status = 'ok'")" 3
eq "campaign.state after the resume" "$(q "$DB" "SELECT state FROM campaign")" finished

# Only namespaces that were there before remain.
netns_after=$(ip netns list | awk '{print $1}' | sort)
new=$(comm -13 <(echo "$netns_before") <(echo "$netns_after") | grep -c -E "^tl-exp($PID|$PID2)-" || true)
eq "no namespace of these campaigns is left" "$new" 0
finish
