#!/usr/bin/env bash
# crr with RST close (SO_LINGER 0) on loopback: tcplab crr --linger0 against bench/crr_ref.c,
# the plain epoll reference loop (nonblocking connect, 1-byte request and response, close
# with an RST, one loop per thread), in interleaved rounds so background load hits both alike.
#
#   bench/crr.sh [TCPLAB]      env: ROUNDS=5 SECS=5 FLOWS=4 THREADS=2
#
# Each round runs the reference, then tcplab, with the same threads on each end and the same
# connections in flight; beside each figure: the CPU seconds the rest of the machine used
# during the run (all CPUs' user+nice+system from /proc/stat, minus this run's client and
# both servers) and the machine's steal share (/proc/stat). A round with steal >= 1% or
# others' CPU over 2% of the run's CPU-seconds is marked disturbed. (The load average is not
# used: it counts blocked and frozen tasks that take no CPU.) The ratio is taken per round (same moment), and its median reported.
# Only loopback. Every process is ended by its PID. Output: bench/results/crr.md.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TCPLAB=${1:-$ROOT/build/tcplab}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
FLOWS=${FLOWS:-4}
THREADS=${THREADS:-2}
OUT=$ROOT/bench/results/crr.md
TMP=$(mktemp -d /tmp/crr-bench.XXXXXX)
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT

cc -O2 -Wall -Wextra -pthread -o "$TMP/crr_ref" "$HERE/crr_ref.c" || exit 1
REFPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TMP/crr_ref" server "$REFPORT" "$THREADS" & PIDS+=("$!")
"$TCPLAB" serve --bind 127.0.0.1 --port 0 --port-file "$TMP/port" -q >/dev/null 2>&1 & PIDS+=("$!")
for _ in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
PORT=$(cat "$TMP/port")
ncpu=$(nproc)

# stat_cpu: "busy steal total" jiffies over all CPUs (busy: user+nice+system, as ps counts)
stat_cpu() { awk '/^cpu /{ t=0; for (i=2;i<=NF;i++) t+=$i; print $2+$3+$4, $9, t }' /proc/stat; }
# srv_ticks: utime+stime of both servers, in jiffies
srv_ticks() { local p t=0; for p in "${PIDS[@]}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
HZ=$(getconf CLK_TCK)
# others S0 S1 SRV0 SRV1 CLIENT_S: CPU seconds others used over the run
others() {
    awk -v a="$1" -v b="$2" -v s0="$3" -v s1="$4" -v c="$5" -v hz="$HZ" \
        'BEGIN { split(a,x," "); split(b,y," "); o=(y[1]-x[1]-(s1-s0))/hz - c; printf "%.2f", (o > 0 ? o : 0) }'
}
# timed OUTFILE CMD...: CMD's stdout, its user+system seconds in OUTFILE
timed() { local f=$1; shift; /usr/bin/time -f '%U %S' -o "$f" "$@"; }
cpu_s() { awk 'END { printf "%.2f", $1 + $2 }' "$1"; }
steal_pct() { # before after
    awk -v a="$1" -v b="$2" 'BEGIN { split(a,x," "); split(b,y," "); d=y[3]-x[3]; printf "%.1f", (d > 0 ? 100*(y[2]-x[2])/d : 0) }'
}

{
echo "# crr with RST close: tcplab crr --linger0 against the reference loop (bench/crr_ref.c)"
echo
echo "Loopback, $THREADS thread(s) on each end, $FLOWS connections in flight, ${SECS} s per run, $ROUNDS interleaved rounds;"
echo "$(nproc) vCPUs, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ). Commands:"
echo
echo '```'
echo "crr_ref server PORT $THREADS  /  crr_ref client PORT $THREADS $FLOWS $SECS"
echo "tcplab crr 127.0.0.1 -p PORT --linger0 -P $FLOWS -T $THREADS -t $SECS --json   (agent: tcplab serve)"
echo '```'
echo
echo "| round | reference conn/s | others' CPU s, steal | tcplab conn/s | others' CPU s, steal | tcplab / reference | note |"
echo "|---|---|---|---|---|---|---|"
} >"$OUT"
ratios=()
for r in $(seq 1 "$ROUNDS"); do
    s0=$(stat_cpu); v0=$(srv_ticks)
    ref=$(timed "$TMP/t.ref" "$TMP/crr_ref" client "$REFPORT" "$THREADS" "$FLOWS" "$SECS")
    s1=$(stat_cpu); v1=$(srv_ticks); st1=$(steal_pct "$s0" "$s1")
    o1=$(others "$s0" "$s1" "$v0" "$v1" "$(cpu_s "$TMP/t.ref")")
    tl=$(timed "$TMP/t.tl" "$TCPLAB" crr 127.0.0.1 -p "$PORT" --linger0 -P "$FLOWS" -T "$THREADS" -t "$SECS" --json | jq '.end.sum.connects_per_second | floor')
    s2=$(stat_cpu); v2=$(srv_ticks); st2=$(steal_pct "$s1" "$s2")
    o2=$(others "$s1" "$s2" "$v1" "$v2" "$(cpu_s "$TMP/t.tl")")
    ratio=$(awk -v a="$tl" -v b="$ref" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
    ratios+=("$ratio")
    note=""
    awk -v s1="$st1" -v s2="$st2" -v o1="$o1" -v o2="$o2" -v lim="$(awk -v n="$ncpu" -v t="$SECS" 'BEGIN { print 0.02 * n * t }')" \
        'BEGIN { exit !(s1 >= 1 || s2 >= 1 || o1 > lim || o2 > lim) }' && note="disturbed"
    echo "| $r | $ref | $o1, ${st1}% | $tl | $o2, ${st2}% | $ratio | $note |" >>"$OUT"
    echo "round $r: reference $ref, tcplab $tl, ratio $ratio $note"
done
med=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR]=$1 } END { print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }')
{
echo
echo "Median of the per-round ratios: **$med**."
} >>"$OUT"
echo "median ratio $med; table in $OUT"
