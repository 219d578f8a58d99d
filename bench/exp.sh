#!/usr/bin/env bash
# The overhead of the campaign machinery per point, against the shell loop a user writes
# today around `testbed set` and `stream --json`.
#
#   bench/exp.sh [TCPLAB]        (default: build/tcplab; needs root)
#
# Both run the same points: --rate 20mbit --rtt 20ms, buffers 0.5bdp 1bdp 2bdp x AQMs
# taildrop codel (6 points), 2 cubic flows, BENCH_TIME s measured after BENCH_WARMUP s of
# warm-up (defaults 3 and 1), in order, BENCH_ROUNDS times each (default 2), alternating.
#   tcplab exp   `tcplab exp run ... -o DB`: testbed up once, `set` per point, one agent,
#                stream per run as a child, JSON decoded, metrics, one SQLite transaction per
#                run, testbed down.
#   shell loop   testbed up; serve; for each point: testbed set; stream --json > FILE;
#                jq one CSV line; testbed down: what a campaign costs without tcplab exp.
# overhead per point = (wall time - points x (time + warm-up)) / points: everything that is
# not the measured window or its warm-up (testbed up/set/down, agent, process starts,
# connects, stream's start barrier and result exchange, decoding, the database).
# share of a 30 s point = overhead / 30 s. Load (uptime) and steal (/proc/stat) are
# recorded beside each row. Raw outputs and the table (table.txt) go to bench/results/raw/exp/
# (not committed); bench/results/exp.md is written from that table with its conditions.
set -uo pipefail
TCPLAB=$(realpath "${1:-build/tcplab}")
T=${BENCH_TIME:-3}
W=${BENCH_WARMUP:-1}
ROUNDS=${BENCH_ROUNDS:-2}
RAW=$(dirname "$0")/results/raw/exp
mkdir -p "$RAW"
[ "$(id -u)" -eq 0 ] || { echo "bench/exp.sh: needs root (network namespaces)" >&2; exit 1; }
POINTS=6

steal() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t }' /proc/stat; }
now() { date +%s.%N; }

tb=
agent=
cleanup() {
    [ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
    [ -n "$tb" ] && "$TCPLAB" testbed down "$tb" >/dev/null 2>&1
}
trap cleanup EXIT

run_exp() {
    local db=$RAW/exp.$1.db
    rm -f "$db"
    "$TCPLAB" exp run --rate 20mbit --rtt 20ms --buffer 0.5bdp,1bdp,2bdp --aqm taildrop,codel \
        --flows 2 -t "${T}s" --warmup "${W}s" --order in-order -o "$db" 2>"$RAW/exp.$1.err"
}

run_loop() {
    tb=bexp$$
    local out=$RAW/loop.$1 buf aqm rcv pf=$RAW/loop.port
    mkdir -p "$out"
    rm -f "$pf"
    "$TCPLAB" testbed up "$tb" --rate 20mbit --rtt 20ms --json >"$out/up.json" || return 1
    rcv=$(jq -r '.hosts[] | select(.name == "rcv") | .addr' "$out/up.json")
    "$TCPLAB" testbed exec "$tb" rcv -- "$TCPLAB" serve --no-auth --port 0 --port-file "$pf" -q >/dev/null 2>&1 &
    agent=$!
    for _ in $(seq 1 200); do [ -s "$pf" ] && break; sleep 0.05; done
    for buf in 0.5bdp 1bdp 2bdp; do
        for aqm in taildrop codel; do
            "$TCPLAB" testbed set "$tb" --buffer "$buf" --aqm "$aqm" >/dev/null
            "$TCPLAB" testbed exec "$tb" snd1 -- "$TCPLAB" stream "$rcv" -p "$(cat "$pf")" -P 2 \
                -t "$T" -O "$W" --json >"$out/$buf.$aqm.json"
            jq -r --arg b "$buf" --arg a "$aqm" '[$b, $a, .end.sum.bits_per_second, .end.sum.flows.jain] | @csv' \
                "$out/$buf.$aqm.json" >>"$out/results.csv"
        done
    done
    kill "$agent"; wait "$agent" 2>/dev/null; agent=
    "$TCPLAB" testbed down "$tb" >/dev/null; tb=
}

exec > >(tee "$RAW/table.txt")
printf '%-12s %5s %9s %14s %11s %8s %6s\n' tool round "wall s" "overhead/pt s" "of 30 s pt" load steal%
for r in $(seq 1 "$ROUNDS"); do
    for tool in exp loop; do
        read -r s0 t0 < <(steal)
        start=$(now)
        "run_$tool" "$r"
        end=$(now)
        read -r s1 t1 < <(steal)
        load=$(cut -d' ' -f1 /proc/loadavg)
        awk -v a="$start" -v b="$end" -v n=$POINTS -v t="$T" -v w="$W" -v tool="$tool" -v r="$r" \
            -v l="$load" -v s0="$s0" -v s1="$s1" -v t0="$t0" -v t1="$t1" 'BEGIN {
            wall = b - a; o = (wall - n * (t + w)) / n
            printf "%-12s %5d %9.1f %14.2f %10.1f%% %8s %5.1f\n", (tool == "exp" ? "tcplab exp" : "shell loop"),
                   r, wall, o, o / 30 * 100, l, (t1 > t0 ? (s1 - s0) / (t1 - t0) * 100 : 0) }'
    done
done
echo "per-run time inside tcplab exp (runs.seconds - time - warm-up), last round:"
sqlite3 "$RAW/exp.$ROUNDS.db" "SELECT printf('  min %.2f s, avg %.2f s, max %.2f s', min(seconds - $T - $W), avg(seconds - $T - $W), max(seconds - $T - $W)) FROM runs"
