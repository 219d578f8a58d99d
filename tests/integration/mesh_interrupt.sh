#!/usr/bin/env bash
# Ctrl-C (SIGINT) ends a mesh run early: the coordinator sends every rank "stop", the ranks
# drain and report, and tcplab prints what ran, marked interrupted in the table and in the
# JSON (valid against docs/mesh.schema.json, tokens still conserved), exits 130 and leaves no
# rank behind. By PID once the ranks run (forked, threads, --compare, rank 0 of a
# rendezvous whose other rank is told and ends in order), and to the whole process group
# as a terminal's Ctrl-C does (forked ranks ignore it and wait for "stop").
. "$(dirname "$0")/mesh_lib.sh"
command -v jq >/dev/null || { echo "skip: needs jq"; exit 77; }
DOCS=$(cd "${TESTS_DIR:-$(dirname "$0")/..}/.." && pwd)/docs

# ranks_up PID N: waits (at most 30 s) until PID has N child processes (N > 0), or -N
# threads besides its main one (rank 0 of a rendezvous runs its own rank in one thread).
ranks_up() {
    local _
    for _ in $(seq 1 300); do
        if [ "$2" -gt 0 ]; then
            [ "$(pgrep -P "$1" | wc -l)" -ge "$2" ] && return 0
        else
            [ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -gt "$(( -$2 ))" ] && return 0
        fi
        sleep 0.1
    done
    return 1
}

# interrupt OUT KIDS TARGET CMD...: starts CMD in a session of its own, waits until its ranks
# run (KIDS forked ones, -T: T threads), 1.5 s more, then SIGINT to TARGET ("pid" or "group");
# waits. Sets RC, MS, LAST (the PID) and KIDS_SEEN (the ranks' PIDs).
interrupt() {
    local out=$1 kids=$2 target=$3; shift 3
    local t0 t1 pid
    t0=$(date +%s%N)
    setsid "$@" >"$out" 2>"$out.err" &
    pid=$!
    TL_PIDS+=("$pid")
    ranks_up "$pid" "$kids" || fail "$*: ranks not up after 30 s"
    KIDS_SEEN=$(pgrep -P "$pid" | tr '\n' ' ')
    sleep 1.5
    if [ "$target" = group ]; then kill -INT -- -"$pid"; else kill -INT "$pid"; fi
    wait "$pid"
    RC=$?
    t1=$(date +%s%N)
    MS=$(( (t1 - t0) / 1000000 ))
    LAST=$pid
}

# nothing_left WHAT: no rank seen during the run and no process of its session remains.
nothing_left() {
    local p n=0
    for p in $KIDS_SEEN; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done
    n=$((n + $(pgrep -s "$LAST" | wc -l)))
    [ "$n" -eq 0 ] && pass "$1: no rank or process left" || { fail "$1: $n left"; pgrep -a -s "$LAST"; }
}

valid() {
    if /usr/bin/python3 -c 'import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))' \
        "$DOCS/mesh.schema.json" "$1" 2>"$TL_TMP/schema.err"; then
        pass "$2: valid against mesh.schema.json"
    else
        fail "$2: $(tail -3 "$TL_TMP/schema.err")"
    fi
}
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || valid() { echo "note: no python3-jsonschema, $2 not validated"; }

# The interrupted run checks out as a finished one does: tokens conserved, nothing lost.
CONSERVED='.runs[0].tokens_check.conserved == true and .runs[0].hops_sent == .runs[0].hops_received and .runs[0].hops_received > 0'

# 1. Forked ranks, --json, SIGINT by PID.
out=$TL_TMP/fork.json
interrupt "$out" 4 pid "$TCPLAB" mesh -n 4 -m 2 -t 60s --json
[ "$RC" -eq 130 ] && pass "fork --json: exit 130" || fail "fork --json: exit $RC ($(head -c 300 "$out.err"))"
[ "$MS" -lt 30000 ] && pass "fork: stopped early (${MS} ms of 60 s)" || fail "fork: took ${MS} ms"
check "fork: the document and the run are marked interrupted, the window is what ran" \
    '.interrupted == true and .runs[0].interrupted == true and .runs[0].window_s > 0.5 and .runs[0].window_s < 30 and .error == null' "$out"
check "fork: every rank reported; tokens conserved" "$CONSERVED and .ok == true" "$out"
valid "$out" "fork --json"
grep -q "interrupted: stopping the test" "$out.err" && pass "fork: says on stderr that it stops" || fail "fork: no stderr note"
nothing_left "fork --json"

# 2. Threads, the table.
out=$TL_TMP/threads.txt
interrupt "$out" -4 pid "$TCPLAB" mesh -n 4 --threads -t 60s
[ "$RC" -eq 130 ] && pass "threads table: exit 130" || fail "threads table: exit $RC ($(head -c 300 "$out.err"))"
grep -q "^Interrupted (Ctrl-C): the figures cover the [0-9.]* s run until then" "$out" &&
    grep -qi "hops" "$out" && pass "threads table: the table and the Interrupted line" || { fail "threads table"; cat "$out"; }
nothing_left "threads table"

# 3. Ctrl-C as a terminal sends it: to the process group, forked ranks included.
out=$TL_TMP/group.json
interrupt "$out" 3 group "$TCPLAB" mesh -n 3 -t 60s --json
[ "$RC" -eq 130 ] && pass "group SIGINT: exit 130" || fail "group SIGINT: exit $RC ($(head -c 300 "$out.err"))"
check "group SIGINT: the ranks waited for stop and reported; tokens conserved" \
    ".interrupted == true and .runs[0].ranks == 3 and $CONSERVED" "$out"
[ "$(grep -c "interrupted: stopping" "$out.err")" -eq 1 ] && pass "group SIGINT: one stderr note, not one per rank" \
    || fail "group SIGINT: $(grep -c "interrupted: stopping" "$out.err") notes"
nothing_left "group SIGINT"

# 4. --compare: the interrupted transport is the last one run.
out=$TL_TMP/compare.json
interrupt "$out" 3 pid "$TCPLAB" mesh -n 3 --compare -t 60s --json
[ "$RC" -eq 130 ] && pass "--compare: exit 130" || fail "--compare: exit $RC"
check "--compare: one run, interrupted" '.interrupted == true and (.runs | length) == 1 and .runs[0].interrupted == true' "$out"
valid "$out" "--compare"
nothing_left "--compare"

# 5. Rendezvous: rank 0 interrupted; rank 1 (another process) is sent stop and ends in order.
port=$(( 21000 + RANDOM % 11000 ))   # below the ephemeral range
out1=$TL_TMP/rv1.json
setsid "$TCPLAB" mesh --rank 1 --size 2 --rendezvous 127.0.0.1:$port -t 60s --json >"$out1" 2>"$out1.err" &
r1=$!
TL_PIDS+=("$r1")
out=$TL_TMP/rv0.json
interrupt "$out" -1 pid "$TCPLAB" mesh --rank 0 --size 2 --rendezvous 127.0.0.1:$port -t 60s --json
wait "$r1"
rc1=$?
[ "$RC" -eq 130 ] && pass "rendezvous rank 0: exit 130" || fail "rendezvous rank 0: exit $RC ($(head -c 300 "$out.err"))"
check "rendezvous rank 0: both ranks reported, interrupted" \
    ".interrupted == true and .runs[0].ranks == 2 and $CONSERVED" "$out"
[ "$rc1" -eq 0 ] && pass "rendezvous rank 1: told to stop, ended in order (exit 0)" \
    || fail "rendezvous rank 1: exit $rc1 ($(head -c 300 "$out1.err"))"
nothing_left "rendezvous rank 0"
LAST=$r1 KIDS_SEEN=
nothing_left "rendezvous rank 1"
finish
