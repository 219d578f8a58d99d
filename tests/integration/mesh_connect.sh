#!/usr/bin/env bash
# The connect phase never races: 3, 16 and 64 ranks connect every pair again and again (no
# sleeps anywhere: each rank listens before it is announced), each time a short --hops run
# whose tokens are all accounted for at the end. Patterns and transports rotate.
. "$(dirname "$0")/mesh_lib.sh"

patterns=(ring random all-to-all pairs)
transports=(tcp-nodelay unix tcp tcp-quickack)
round() { # $1 = ranks, $2 = loops, $3 = tokens
    local n=$1 loops=$2 m=$3 i bad=0 out p t
    for i in $(seq 1 "$loops"); do
        p=${patterns[$((i % 4))]}
        [ "$p" = pairs ] && [ $((n % 2)) -ne 0 ] && p=ring
        t=${transports[$((i % 4))]}
        out=$TL_TMP/n$n-$i.json
        mesh_run "$out" -n "$n" -m "$m" --pattern "$p" --transport "$t" --hops $((n * 50)) --seed "$i"
        if ! jq -e '.ok == true and .runs[0].tokens_check.conserved and
                    .runs[0].hops_received == .runs[0].hops_requested' "$out" >/dev/null 2>&1; then
            bad=$((bad + 1))
            echo "  run $i ($p, $t) failed: exit $MESH_RC: $(head -c 300 "$out.err")"
        fi
    done
    [ "$bad" -eq 0 ] && pass "$n ranks: $loops connect phases and runs, tokens conserved each time" \
        || fail "$n ranks: $bad of $loops runs failed"
    jq -s '[.[].runs[0].connect_ms] | max' "$TL_TMP"/n$n-*.json 2>/dev/null | sed "s/^/  $n ranks: slowest connect phase (ms): /"
}
round 3 20 2
round 16 20 4
round 64 5 16

# Threads instead of processes: the same connect phase inside one process.
out=$TL_TMP/threads.json
mesh_run "$out" --threads -n 32 -m 8 --pattern random --hops 5000
mesh_ok "32 ranks as threads" "$out"
check "launch is threads" '.runs[0].launch == "threads" and .runs[0].ranks == 32' "$out"

# Every rank process was reaped: none of ours is left.
left=$(pgrep -f -- "$TCPLAB mesh" | wc -l)
[ "$left" -eq 0 ] && pass "no rank process left behind" || fail "$left mesh processes still running"

# The coordinator killed mid-run: its ranks see their control channel close and exit.
# (Started without a wrapper so that $! is the coordinator; --time bounds it anyway.)
"$TCPLAB" mesh -n 8 -m 2 --time 20s >/dev/null 2>&1 &
coord=$!
TL_PIDS+=("$coord")
ranks=""
for _ in $(seq 1 100); do
    ranks=$(pgrep -P "$coord" | tr '\n' ' ')
    [ "$(echo $ranks | wc -w)" -ge 8 ] && break
    sleep 0.05
done
if [ "$(echo $ranks | wc -w)" -ge 8 ]; then
    sleep 0.3   # let them connect and start passing tokens
    kill -KILL "$coord"
    wait "$coord" 2>/dev/null
    gone=0
    for _ in $(seq 1 100); do
        alive=0
        for p in $ranks; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
        [ "$alive" -eq 0 ] && { gone=1; break; }
        sleep 0.05
    done
    [ "$gone" -eq 1 ] && pass "coordinator killed: its 8 ranks exited by themselves" \
        || fail "coordinator killed: ranks still alive: $ranks"
    for p in $ranks; do kill -KILL "$p" 2>/dev/null; done   # only if the check failed
else
    fail "8 rank processes did not appear (saw: $ranks)"
fi
finish
