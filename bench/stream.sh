#!/usr/bin/env bash
# Bulk-throughput benchmark on loopback: tcplab stream vs iperf3 vs iperf2, side by side.
#
#   bench/stream.sh [--quick] [--variants] [--report-only] [TCPLAB]
#                                          (make bench runs bench/stream.sh build/tcplab)
#
# For each flow count (1, 16, and the most flows each tool supports up to 10,000) every tool
# runs REPEAT times (default 3) for the same duration (default 10 s; BENCH_TIME=SECONDS
# overrides; --quick = 3 s). Runs are interleaved (repeat 1 of every tool, then repeat 2, ...)
# so that background load hits every tool alike. Each measurement gets a fresh server/agent
# process, so the server's peak RSS (VmHWM) and CPU time are those of that one test.
#
# What is measured, per run:
#   throughput  receiver side. tcplab: .end.sum.bits_per_second (bytes received inside the
#               common window / window). iperf3: .end.sum_received.bits_per_second of the
#               client's -J document. iperf2: from the server's (receiver's) enhanced report
#               with exact units (-e -f b): the sum of the per-flow byte counts * 8 / the
#               longest per-flow interval, which is how iperf2 computes its own [SUM] line
#               (the [SUM] line is parsed too and kept as a cross-check). Summing iperf2's
#               per-flow rates is wrong at high flow counts: starved flows report tiny
#               intervals and absurd rates (seen here: 925 Gbit/s "sum" for 20 Gbit/s).
#   client RSS  GNU time %M (ru_maxrss of the waited-for client process, max over the
#               repeats) and client CPU = user + system seconds (%U + %S).
#   server RSS  VmHWM of the fresh server process read from /proc/PID/status right after the
#               client exits (before the server is stopped); server CPU = utime + stime of
#               /proc/PID/stat (all threads) at the same moment.
#
# Only loopback (127.0.0.1). Every process is ended by its PID; loops are bounded; a trap
# stops whatever is still running on exit. Raw outputs go to bench/results/raw/stream/
# (not committed); the table goes to bench/results/stream.md.
set -uo pipefail

usage() {
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
    echo "  --quick        3 s runs instead of 10 s"
    echo "  --variants     also tcplab -T 1, -l 1M and -T 1 -l 1M at 1 and 16 flows, in the rotation"
    echo "  --report-only  no runs: write stream.md again from bench/results/raw/stream/"
    echo "env: BENCH_TIME=SECONDS  REPEAT=N  BENCH_IPERF2_LADDER='10000 5000 2000 1000 500 200'"
    echo "     BENCH_COUNTS='1 16 max' (the flow counts; without max, no iperf2 ladder)"
}

QUICK=0
VARIANTS=0
REPORT_ONLY=0
TCPLAB=""
for a in "$@"; do
    case "$a" in
    --quick) QUICK=1 ;;
    --variants) VARIANTS=1 ;;
    --report-only) REPORT_ONLY=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "stream.sh: unknown option $a" >&2; usage >&2; exit 2 ;;
    *) TCPLAB=$a ;;
    esac
done

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
[ -n "$TCPLAB" ] || TCPLAB=$ROOT/build/tcplab
case "$TCPLAB" in /*) ;; *) TCPLAB=$PWD/$TCPLAB ;; esac
if [ $REPORT_ONLY -eq 0 ] && [ ! -x "$TCPLAB" ]; then
    echo "stream.sh: $TCPLAB is not an executable tcplab binary (build it: make build)" >&2
    exit 2
fi

if [ $QUICK -eq 1 ]; then T=3; else T=10; fi
T=${BENCH_TIME:-$T}
REPEAT=${REPEAT:-3}
COUNTS=${BENCH_COUNTS:-1 16 max} # flow counts to measure (the iperf2 ladder runs only with max)
case "$T$REPEAT" in *[!0-9]*) echo "stream.sh: BENCH_TIME and REPEAT are whole numbers" >&2; exit 2 ;; esac
[ "$T" -ge 1 ] && [ "$REPEAT" -ge 1 ] || { echo "stream.sh: BENCH_TIME and REPEAT must be >= 1" >&2; exit 2; }
LADDER=${BENCH_IPERF2_LADDER:-10000 5000 2000 1000 500 200}
TCPLAB_MAX=10000
IPERF3_MAX=128 # MAX_STREAMS in iperf3's src/iperf.h; 3.12 refuses -P above it
PROBE_T=3      # seconds of each iperf2 ladder probe
HOST=127.0.0.1

RESULTS=$ROOT/bench/results
RAW=$RESULTS/raw/stream
RUNS=$RAW/runs.tsv
LOG=$RAW/bench.log
META=$RAW/meta.sh

if [ $REPORT_ONLY -eq 1 ]; then
    [ -s "$META" ] && [ -s "$RUNS" ] || { echo "stream.sh: nothing to report: no $META or $RUNS" >&2; exit 1; }
    command -v jq >/dev/null || { echo "stream.sh: jq not found" >&2; exit 1; }
else
    # --- packages (only installed when missing; see scripts/deps.sh) ---
    "$ROOT/scripts/deps.sh" iperf3 iperf time || exit 1
    for c in iperf3 iperf jq ss /usr/bin/time timeout stdbuf; do
        command -v "$c" >/dev/null || { echo "stream.sh: $c not found" >&2; exit 1; }
    done
    # --- descriptors: 10,000 flows need 10,000+ per process (client and agent each) ---
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    rm -rf "$RAW"
    mkdir -p "$RAW" || exit 1
    : >"$RUNS"
    : >"$LOG"
fi
NOFILE=$(ulimit -n)

CLK_TCK=$(getconf CLK_TCK)
PIDS=() # servers we started and have not stopped yet

stop_pid() { # stop_pid PID: TERM, wait up to 10 s, then KILL; reap
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        # a zombie child is dead already; wait reaps it below
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] &&
        { echo "stream.sh: pid $pid ignored SIGTERM for 10 s; SIGKILL" >>"$LOG"; kill -KILL "$pid" 2>/dev/null; }
    wait "$pid" 2>/dev/null
    return 0
}

forget_pid() {
    local p keep=()
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

cleanup() {
    local p
    for p in "${PIDS[@]}"; do stop_pid "$p"; done
    PIDS=()
}
trap cleanup EXIT
trap 'echo "stream.sh: interrupted" >&2; exit 130' INT TERM

log() { echo "$*" | tee -a "$LOG"; }

# A free TCP port on 127.0.0.1 outside the ephemeral range (checked with ss; bounded tries).
free_port() {
    local i p
    for ((i = 0; i < 50; i++)); do
        p=$((20000 + RANDOM % 10000))
        [ -z "$(ss -Htln "( sport = :$p )" 2>/dev/null)" ] && { echo "$p"; return 0; }
    done
    return 1
}

# wait_listen PID PORT: until PID listens on PORT (bounded 5 s); fails if PID dies
wait_listen() {
    local pid=$1 port=$2 i
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        ss -Htlnp "( sport = :$port )" 2>/dev/null | grep -q "pid=$pid," && return 0
        sleep 0.1
    done
    return 1
}

# start_server TOOL OUTFILE -> SRV_PID SRV_PORT SRV_CMD
start_server() {
    local tool=$1 out=$2 try pf
    SRV_PID="" SRV_PORT="" SRV_CMD=""
    for ((try = 0; try < 5; try++)); do
        case "$tool" in
        tcplab)
            pf=$RAW/agent.port
            rm -f "$pf"
            SRV_CMD="$TCPLAB serve --no-auth --bind $HOST --port 0 --port-file $pf -q"
            $SRV_CMD >"$out" 2>&1 &
            SRV_PID=$!
            PIDS+=("$SRV_PID")
            local i
            for ((i = 0; i < 50; i++)); do
                [ -s "$pf" ] && break
                kill -0 "$SRV_PID" 2>/dev/null || break
                sleep 0.1
            done
            SRV_PORT=$(cat "$pf" 2>/dev/null)
            if [ -n "$SRV_PORT" ] && wait_listen "$SRV_PID" "$SRV_PORT"; then
                SRV_CMD="$TCPLAB serve --bind $HOST --port 0 --port-file F -q   # listened on $SRV_PORT"
                return 0
            fi
            ;;
        iperf3 | iperf2)
            SRV_PORT=$(free_port) || return 1
            if [ "$tool" = iperf3 ]; then
                SRV_CMD="iperf3 -s -B $HOST -p $SRV_PORT"
                $SRV_CMD >"$out" 2>&1 &
            else
                # -e -f b: enhanced report with exact bytes and bits/s; line-buffered so the
                # per-flow lines are in the file as soon as iperf2 prints them
                SRV_CMD="iperf -s -B $HOST -p $SRV_PORT -e -f b"
                stdbuf -oL $SRV_CMD >"$out" 2>&1 &
            fi
            SRV_PID=$!
            PIDS+=("$SRV_PID")
            wait_listen "$SRV_PID" "$SRV_PORT" && return 0
            ;;
        esac
        echo "stream.sh: $tool server did not come up (try $try): $(tail -2 "$out" 2>/dev/null)" >>"$LOG"
        stop_pid "$SRV_PID"
        forget_pid "$SRV_PID"
    done
    return 1
}

# server_stats PID -> SRV_HWM_KB SRV_CPU_S (read while the server is still alive)
server_stats() {
    local pid=$1
    SRV_HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    # /proc/PID/stat: fields after the ")" of comm; utime and stime are fields 14 and 15
    SRV_CPU_S=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null |
        awk -v hz="$CLK_TCK" '{printf "%.2f", ($12 + $13) / hz}')
    SRV_HWM_KB=${SRV_HWM_KB:-NA}
    SRV_CPU_S=${SRV_CPU_S:-NA}
}

# iperf2 receiver report -> "flows bps zero_flows flow_formula_bps"
# The aggregate is iperf2's own [SUM] line of the server (receiver): all bytes / the span from
# the group's start to its last flow's end. With one flow there is no [SUM] line and the
# flow's own line is the aggregate. Per-flow intervals start at each flow's own start, so
# with staggered flows "bytes / longest flow interval" overstates (seen here at -P 2000:
# 14.4 Gbit/s that way, 7.1 Gbit/s by the [SUM] line over a 7.2 s span); it is kept only
# as a cross-check. Summing per-flow rates is worse (925 Gbit/s "sum" at -P 1000).
# (5th field: the received bytes that aggregate counts)
iperf2_parse() {
    awk '
    /^\[ *[0-9]+\] +[0-9.]+-[0-9.]+ sec +[0-9]+ Bytes +[0-9]+ bits\/sec/ {
        n++
        split($0, a, "]"); split(a[2], f, " ")
        split(f[1], iv, "-"); if (iv[2] + 0 > maxend) maxend = iv[2] + 0
        bytes += f[3]; one = f[5]
        if (f[3] + 0 == 0) zero++
    }
    /^\[SUM\] +[0-9.]+-[0-9.]+ sec +[0-9]+ Bytes +[0-9]+ bits\/sec/ {
        sums++; split($2, iv, "-"); if (iv[2] + 0 > sumend) sumend = iv[2] + 0; sumbytes += $4; sumbps = $6
    }
    END {
        formula = (maxend > 0) ? bytes * 8 / maxend : 0
        if (sums == 1) bps = sumbps
        else if (sums > 1 && sumend > 0) bps = sumbytes * 8 / sumend # split groups: all / longest
        else if (n == 1) bps = one
        else bps = formula
        printf "%d %.0f %d %.0f %.0f\n", n, bps, zero, formula, (sums > 0 ? sumbytes : bytes)
    }' "$1"
}

# run_one TOOL FLOWS REP LIMIT_S [EXTRA-TCPLAB-ARGS...]: one measurement, one line in $RUNS
# columns: tool flows rep ok bps client_kb server_kb client_cpu server_cpu wall load1 note client_cmd server_cmd
#          others_cpu steal_pct received_bytes
# others_cpu: CPU seconds the whole machine spent in user+nice+system (from /proc/stat) while
# the client ran, minus the client's and the server's own CPU time: what other work took from
# this test. Interrupt and softirq time is left out of both sides (the kernel may charge
# loopback's softirq work to neither task).
run_one() {
    local tool=$1 n=$2 rep=$3 limit=$4
    shift 4
    local extra=("$@") tag label=$tool
    [ ${#extra[@]} -gt 0 ] && label="$tool ${extra[*]}"
    tag=$(echo "$label-$n-$rep" | tr ' /' '__')
    local sout=$RAW/$tag.server.txt cout=$RAW/$tag.client.out cerr=$RAW/$tag.client.err
    local tfile=$RAW/$tag.time load1 cmd ok=1 bps=NA rbytes=NA note=""
    load1=$(cut -d' ' -f1 /proc/loadavg)
    if ! start_server "$tool" "$sout"; then
        printf '%s\t%s\t%s\t0\tNA\tNA\tNA\tNA\tNA\tNA\t%s\t%s\t%s\t%s\tNA\tNA\tNA\n' "$label" "$n" "$rep" "$load1" \
            "server did not start" "-" "$SRV_CMD" >>"$RUNS"
        return 1
    fi
    case "$tool" in
    tcplab) cmd="$TCPLAB stream $HOST -p $SRV_PORT -P $n -t $T ${extra[*]} --json" ;;
    iperf3) cmd="iperf3 -c $HOST -p $SRV_PORT -P $n -t $T ${extra[*]} -J" ;;
    iperf2) cmd="iperf -c $HOST -p $SRV_PORT -P $n -t $T ${extra[*]} -e -f b" ;;
    esac
    cmd=${cmd//  / }
    # timeout puts the client in its own process group and signals the whole group, so on a
    # hang or an interrupt (cleanup stops this PID) GNU time and the client both end.
    local stat0 stat1
    stat0=$(head -1 /proc/stat)
    /usr/bin/time -f '%M %U %S %e %x' -o "$tfile" timeout -k 5 "$limit" $cmd >"$cout" 2>"$cerr" &
    local cpid=$! rc
    PIDS+=("$cpid")
    wait "$cpid"
    rc=$?
    stat1=$(head -1 /proc/stat)
    forget_pid "$cpid"
    # iperf2's server prints each flow when it ends: give it a bounded moment to catch up
    if [ "$tool" = iperf2 ]; then
        local i prev=-1 cur
        for ((i = 0; i < 100; i++)); do
            cur=$(iperf2_parse "$sout" | cut -d' ' -f1)
            [ "$cur" -ge "$n" ] && break
            [ "$cur" = "$prev" ] && [ $i -ge 20 ] && break # no progress for 2 s
            prev=$cur
            sleep 0.1
        done
    fi
    server_stats "$SRV_PID"
    local sdead=""
    if ! kill -0 "$SRV_PID" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$SRV_PID/stat" 2>/dev/null)" = Z ]; then
        wait "$SRV_PID" 2>/dev/null
        sdead="server died before the end (exit status $?)"
    fi
    stop_pid "$SRV_PID"
    forget_pid "$SRV_PID"
    local ckb ccpu wall
    ckb=$(tail -1 "$tfile" | awk '{print $1}')
    ccpu=$(tail -1 "$tfile" | awk '{printf "%.2f", $2 + $3}')
    wall=$(tail -1 "$tfile" | awk '{print $4}')
    [ "$rc" -eq 0 ] || { ok=0; note="client exit $rc$( { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && echo " (killed at the ${limit}s wall limit)")"; }
    case "$tool" in
    tcplab)
        if jq -e '.end.sum.bits_per_second' "$cout" >/dev/null 2>&1; then
            bps=$(jq -r '.end.sum.bits_per_second' "$cout")
            rbytes=$(jq -r '.end.sum.bytes' "$cout")
            local bad
            bad=$(jq -r --argjson n "$n" '
                [ (if (.end.streams | length) != $n then "streams=\(.end.streams | length)" else empty end),
                  (if .end.failed_flows != 0 then "failed=\(.end.failed_flows)" else empty end) ]
                | join(" ")' "$cout")
            [ -n "$bad" ] && { ok=0; note="$note $bad"; }
            # a stalled flow is reported, not a failure: its bytes count and the test ends on time
            local stalled
            stalled=$(jq -r '.end.stalled_flows' "$cout")
            [ "$stalled" != 0 ] && note="$note stalled=$stalled"
        else
            ok=0; note="$note no JSON summary: $(tail -1 "$cerr" | cut -c1-200)"
        fi
        ;;
    iperf3)
        if jq -e '.end.sum_received.bits_per_second' "$cout" >/dev/null 2>&1; then
            bps=$(jq -r '.end.sum_received.bits_per_second' "$cout")
            rbytes=$(jq -r '.end.sum_received.bytes' "$cout")
        else
            ok=0; note="$note $(jq -r '.error // "no JSON"' "$cout" 2>/dev/null | cut -c1-200)"
        fi
        ;;
    iperf2)
        local p flows zero formula
        p=$(iperf2_parse "$sout")
        read -r flows bps zero formula rbytes <<<"$p"
        [ "$flows" -eq "$n" ] || { ok=0; note="$note server reported $flows/$n flows"; }
        [ "$flows" -gt 0 ] || bps=NA
        [ "$zero" -gt 0 ] && note="$note $zero flows moved 0 bytes"
        [ "$n" -gt 1 ] && note="$note (bytes/longest flow: $(awk -v s="$formula" 'BEGIN {printf "%.2f", s / 1e9}') Gbit/s)"
        local errs
        errs=$(sort "$sout" "$cerr" | grep -Ev 'connected with|^\[|^-+$|^(Server|Client|Binding|Read|Write|TCP|TOS|Waiting)' |
            uniq -c | sort -rn | awk 'NR <= 2 || tolower($0) ~ /assert|abort|segm|fatal|terminate/' | head -4 |
            sed 's/^ *//' | tr '\n' ';')
        [ -n "$errs" ] && note="$note messages: $errs"
        ;;
    esac
    [ -n "$sdead" ] && { ok=0; note="$sdead; $note"; }
    local others steal
    read -r others steal < <(printf '%s\n%s\n' "$stat0" "$stat1" | awk -v hz="$CLK_TCK" -v c="${ccpu:-0}" -v s="$SRV_CPU_S" '
        { u[NR] = $2 + $3 + $4; t[NR] = 0; for (i = 2; i <= 9; i++) t[NR] += $i; st[NR] = $9 }
        END {
            o = (u[2] - u[1]) / hz - c - (s == "NA" ? 0 : s); if (o < 0) o = 0
            printf "%.2f %.1f\n", o, (t[2] > t[1]) ? 100 * (st[2] - st[1]) / (t[2] - t[1]) : 0 }')
    note=$(echo "$note" | sed 's/^ *//' | tr '\t' ' ')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$n" "$rep" "$ok" "$bps" \
        "${ckb:-NA}" "$SRV_HWM_KB" "${ccpu:-NA}" "$SRV_CPU_S" "${wall:-NA}" "$load1" "${note:--}" "$cmd" "$SRV_CMD" "$others" "$steal" "$rbytes" >>"$RUNS"
    log "$(printf '%-22s P=%-5s rep %s: %s Gbit/s  client %s MB  server %s MB  others %s s  ok=%s %s' "$label" "$n" "$rep" \
        "$(awk -v b="$bps" 'BEGIN {if (b == "NA") print "NA"; else printf "%.2f", b / 1e9}')" \
        "$(awk -v k="${ckb:-0}" 'BEGIN {printf "%.1f", k / 1024}')" \
        "$(awk -v k="$SRV_HWM_KB" 'BEGIN {printf "%.1f", k / 1024}')" "$others" "$ok" "$note")"
    [ "$ok" -eq 1 ]
}

if [ $REPORT_ONLY -eq 1 ]; then
    # shellcheck disable=SC1090 # written by an earlier run of this script
    . "$META"
    log() { echo "$*"; }
else
# --- machine ---
KERNEL=$(uname -r)
NPROC=$(nproc)
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MEM_MB=$(awk '/^MemTotal/ {printf "%d", $2 / 1024}' /proc/meminfo)
CC_DEFAULT=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
# which code was measured: the binary's build time and the tree it sits in (it may be older)
V_TCPLAB="$("$TCPLAB" --version 2>&1 | head -1) (binary built $(date -u -r "$TCPLAB" '+%Y-%m-%d %H:%M UTC'); tree at $(
    git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "no git"))"
V_IPERF3=$(iperf3 --version 2>&1 | head -1)
V_IPERF2=$(iperf -v 2>&1 | head -1)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
log "stream.sh: $DATE, $NPROC cores, kernel $KERNEL, T=${T}s, REPEAT=$REPEAT, ulimit -n $NOFILE"
log "  $V_TCPLAB | $V_IPERF3 | $V_IPERF2"

# --- iperf2's practical maximum: a short ladder, the largest count where at least 2 of 3
# probes work (iperf 2.1.8's server crashes now and then at every count tried here from 200 up,
# so "every probe works" would leave no count at all; the crash rate is reported) ---
IPERF2_MAX=""
IPERF2_MAX_NOTE=""
T_SAVE=$T
T=$PROBE_T
case " $COUNTS " in *" max "*) ;; *) LADDER="" ;; esac # no max row: no ladder
for n in $LADDER; do
    if [ "$n" -gt $((NOFILE - 100)) ]; then
        printf 'iperf2\t%s\tskipped\t0\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tulimit -n is %s\t-\t-\tNA\tNA\tNA\n' "$n" "$NOFILE" >>"$RUNS"
        continue
    fi
    works=0 fails=0
    for probe in 1 2 3; do
        log "iperf2 ladder: -P $n for ${PROBE_T}s (probe $probe of 3)"
        if run_one iperf2 "$n" "probe$probe" $((PROBE_T + 60)); then
            works=$((works + 1))
        else
            fails=$((fails + 1))
            # a hang to the wall limit is not a matter of chance: no second try
            tail -1 "$RUNS" | cut -f12 | grep -q 'wall limit' && fails=2
        fi
        [ $fails -ge 2 ] && break
    done
    [ $works -ge 2 ] && { IPERF2_MAX=$n; IPERF2_MAX_NOTE="$works of $((works + fails)) probes worked"; break; }
done
T=$T_SAVE
[ -n "$IPERF2_MAX" ] || log "iperf2: no count of the ladder ($LADDER) worked"
# the ladder's probe rows are kept apart from the measurements
mv "$RUNS" "$RAW/ladder.tsv"
: >"$RUNS"

# --- measurements, interleaved (with --variants, tcplab's variants join the rotation at 1 and 16) ---
TCPLAB_OK_MAX=1
[ "$TCPLAB_MAX" -gt $((NOFILE - 100)) ] && TCPLAB_OK_MAX=0
for count in $COUNTS; do
    ENTRIES=(tcplab iperf3 iperf2)
    # the peers at tcplab's write size too (tcplab writes 1 MiB; iperf3 128 KiB and iperf2
    # 128 KiB by default), so equal settings are always compared, not only defaults
    [ "$count" != max ] && ENTRIES+=("iperf3 -l 1M" "iperf2 -l 1M")
    # and tcplab at the peers' default write size, so each peer's default has its equal too
    [ "$count" != max ] && ENTRIES+=("tcplab -l 128K")
    # and at 16 flows with a thread per flow on each end, as iperf2 runs them: the threading
    # model equal too (at 128 KiB, tcplab's 2 epoll workers trail iperf2's 16 threads here)
    [ "$count" = 16 ] && ENTRIES+=("tcplab -l 128K -T 16")
    [ $VARIANTS -eq 1 ] && [ "$count" != max ] && ENTRIES+=("tcplab -T 1" "tcplab -l 1M" "tcplab -T 1 -l 1M")
    ne=${#ENTRIES[@]}
    for ((rep = 1; rep <= REPEAT; rep++)); do
        for ((k = 0; k < ne; k++)); do
            read -r -a entry <<<"${ENTRIES[$(((k + rep - 1) % ne))]}"
            tool=${entry[0]}
            case "$count:$tool" in
            max:tcplab) [ $TCPLAB_OK_MAX -eq 1 ] || continue; n=$TCPLAB_MAX; lim=$((T + 120)) ;;
            max:iperf3) n=$IPERF3_MAX; lim=$((T + 60)) ;;
            max:iperf2) [ -n "$IPERF2_MAX" ] || continue; n=$IPERF2_MAX; lim=$((T + 120)) ;;
            *) n=$count; lim=$((T + 30)) ;;
            esac
            run_one "$tool" "$n" "$rep" "$lim" "${entry[@]:1}"
        done
    done
done
rm -f "$RAW/agent.port"
declare -p T REPEAT VARIANTS DATE KERNEL NPROC CPU_MODEL MEM_MB CC_DEFAULT V_TCPLAB V_IPERF3 V_IPERF2 \
    IPERF2_MAX IPERF2_MAX_NOTE NOFILE LADDER COUNTS >"$META"
fi # REPORT_ONLY

# --- summary per (label, flows): median throughput of the good runs, max RSS, median CPU ---
SUMMARY=$RAW/summary.tsv
awk -F'\t' '
function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    if (n == 0) return "NA"
    return sprintf("%.2f", (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
}
{
    k = $1 "\t" $2
    if (!(k in seen)) { seen[k] = 1; order[++m] = k }
    runs[k]++
    if ($4 == 1) { good[k]++; bps[k] = bps[k] " " $5; ccpu[k] = ccpu[k] " " $8; scpu[k] = scpu[k] " " $9
                   if ($15 != "NA") oth[k] = oth[k] " " $15
                   if ($17 != "NA" && $8 != "NA" && $9 != "NA" && $8 + $9 > 0) eff[k] = eff[k] " " ($17 * 8 / 1e9) / ($8 + $9)
                   all[k] = all[k] (all[k] == "" ? "" : ", ") sprintf("%.2f", $5 / 1e9) ($16 != "NA" && $16 != "" ? sprintf(" (%.0f%%)", $16) : "") }
    else bad[k] = bad[k] (bad[k] == "" ? "" : "; ") "rep " $3 ": " $12
    if ($6 != "NA" && (!(k in crss) || $6 + 0 > crss[k])) crss[k] = $6 + 0
    if ($7 != "NA" && (!(k in srss) || $7 + 0 > srss[k])) srss[k] = $7 + 0
    cmd[k, $3] = $13; scmd[k, $3] = $14; rb[k, $3] = $5; reps[k] = reps[k] " " $3
}
END {
    for (i = 1; i <= m; i++) {
        k = order[i]; med = median(bps[k])
        # the commands of the run closest to the median
        n = split(reps[k], r, " "); best = r[1]; d = -1
        for (j = 1; j <= n; j++) if (rb[k, r[j]] != "NA") { x = rb[k, r[j]] - med; if (x < 0) x = -x; if (d < 0 || x < d) { d = x; best = r[j] } }
        printf "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k, runs[k], good[k] + 0, med, all[k],
            (k in crss) ? sprintf("%.1f", crss[k] / 1024) : "NA", (k in srss) ? sprintf("%.1f", srss[k] / 1024) : "NA", median(ccpu[k]), median(scpu[k]), (bad[k] == "" ? "-" : bad[k]),
            cmd[k, best], scmd[k, best], median(oth[k]), median(eff[k])
    }
}' "$RUNS" >"$SUMMARY"
# columns: label flows runs good median_bps all_gbps client_mb server_mb client_cpu server_cpu failures cmd srvcmd others_cpu gbit_per_cpu_s

get() { awk -F'\t' -v l="$1" -v f="$2" -v c="$3" '$1 == l && $2 == f {print $c; exit}' "$SUMMARY"; }
mbps() { awk -v b="$1" 'BEGIN {if (b == "" || b == "NA") print "NA"; else printf "%.1f", b / 1e6}'; }
gbps() { awk -v b="$1" 'BEGIN {if (b == "" || b == "NA") print "NA"; else printf "%.2f", b / 1e9}'; }
best_of() { # flows label... -> bps of the best of those rows at that flow count
    local n=$1 l v best=NA
    shift
    for l in "$@"; do
        v=$(get "$l" "$n" 5)
        best=$(awk -v a="$best" -v b="${v:-NA}" 'BEGIN { if (b == "NA") print a; else if (a == "NA" || b + 0 > a + 0) print b; else print a }')
    done
    echo "$best"
}
best_peer() { # flows_i3 flows_i2 -> bps of the better peer
    local a b
    a=$(get iperf3 "$1" 5); b=$(get iperf2 "$2" 5)
    awk -v a="${a:-NA}" -v b="${b:-NA}" 'BEGIN {
        if (a == "NA" && b == "NA") print "NA"; else if (a == "NA") print b; else if (b == "NA") print a;
        else print (a + 0 > b + 0) ? a : b }'
}
ratio() { awk -v x="$1" -v y="$2" 'BEGIN {if (x == "NA" || y == "NA" || y + 0 == 0) print "NA"; else printf "%.2f", x / y}'; }

# --- tcplab correctness at 10,000 flows (every repeat) ---
CORR_ROWS=()
CORR_ALL=1
CORR_N=0
STALLED_LIST=""
for f in "$RAW"/tcplab-$TCPLAB_MAX-*.client.out; do
    [ -e "$f" ] || continue
    CORR_N=$((CORR_N + 1))
    line=$(jq -r --argjson n "$TCPLAB_MAX" '
        (.end.streams | length) as $ns
        | ([.end.streams[].receiver.bytes] | add) as $fb
        | ([.end.streams[].bits_per_second] | add) as $fr
        | (($ns == $n) and (.end.sum.flows.count == $n) and (.end.failed_flows == 0)
           and (.end.sum.bytes == $fb)
           and ((.end.sum.bits_per_second - $fr) | fabs) <= ($n * 1)) as $ok
        | "\($ok)\t\($ns)\t\(.end.failed_flows)\t\(.end.stalled_flows)\t\(.end.sum.bytes)\t\($fb)\t\(.end.sum.bits_per_second)\t\($fr)\t\(.start.connect_ns)\t\(.end.sum.flows.min)\t\(.end.sum.flows.median)\t\(.end.sum.flows.max)\t\(.end.sum.flows.jain)"' \
        "$f" 2>/dev/null)
    if [ -z "$line" ]; then
        CORR_ALL=0
        CORR_ROWS+=("| $(basename "$f") | no valid JSON | | | | | | |")
        continue
    fi
    IFS=$'\t' read -r ok ns failed stalled sb fb sbps fbps cns fmin fmed fmax jain <<<"$line"
    STALLED_LIST="$STALLED_LIST${STALLED_LIST:+, }$stalled"
    [ "$ok" = true ] || CORR_ALL=0
    CORR_ROWS+=("| $(basename "$f" .client.out | sed 's/.*-//') | $ns | $failed | $stalled | $sb = $fb: $([ "$sb" = "$fb" ] && echo yes || echo NO) | $(gbps "$sbps") vs $(gbps "$fbps") | $(awk -v c="$cns" 'BEGIN {printf "%.0f ms", c / 1e6}') | $(mbps "$fmin") / $(mbps "$fmed") / $(mbps "$fmax"), Jain $(awk -v j="$jain" 'BEGIN {printf "%.3f", j}') | $([ "$ok" = true ] && echo ok || echo FAIL) |")
done
[ "$CORR_N" -eq "$REPEAT" ] || CORR_ALL=0

# --- targets ---
target_line() { # flows -> "PASS|FAIL ..."
    local n=$1 t p
    t=$(get tcplab "$n" 5); p=$(best_of "$n" iperf3 iperf2 "iperf3 -l 1M" "iperf2 -l 1M")
    awk -v t="${t:-NA}" -v p="$p" -v n="$n" 'BEGIN {
        if (t == "NA" || p == "NA") { printf "UNKNOWN (missing data)"; exit }
        printf "%s: tcplab %.2f Gbit/s vs best peer %.2f Gbit/s (ratio %.2f)", (t + 0 >= p + 0) ? "PASS" : "FAIL", t / 1e9, p / 1e9, t / p }'
}
# equal_line FLOWS TCPLAB_LABEL WRITE PEERS...: tcplab against the best peer at the same write size
equal_line() {
    local n=$1 label=$2 size=$3 t p
    shift 3
    t=$(get "$label" "$n" 5); p=$(best_of "$n" "$@")
    awk -v t="${t:-NA}" -v p="${p:-NA}" -v z="$size" 'BEGIN {
        if (t == "NA" || p == "NA" || t == "" || p == "") { printf "UNKNOWN (missing data)"; exit }
        printf "%s: %s, tcplab %.2f Gbit/s vs best peer %.2f Gbit/s (ratio %.2f)", (t + 0 >= p + 0) ? "PASS" : "FAIL", z, t / 1e9, p / 1e9, t / p }'
}
T1=$(target_line 1)
T16=$(target_line 16)
E1M_1=$(equal_line 1 tcplab "1 MiB writes" "iperf3 -l 1M" "iperf2 -l 1M")
E1M_16=$(equal_line 16 tcplab "1 MiB writes" "iperf3 -l 1M" "iperf2 -l 1M")
E128_1=$(equal_line 1 "tcplab -l 128K" "128 KiB writes" iperf3 iperf2)
E128_16=$(equal_line 16 "tcplab -l 128K" "128 KiB writes" iperf3 iperf2)
E128_16T=$(equal_line 16 "tcplab -l 128K -T 16" "128 KiB writes and a thread per flow on each end (-T 16, as iperf2)" iperf3 iperf2)
MAXC=$(get tcplab $TCPLAB_MAX 7)
MAXS=$(get tcplab $TCPLAB_MAX 8)
MAXGOOD=$(get tcplab $TCPLAB_MAX 4)
if [ -z "$MAXC" ]; then
    T10K="FAIL: no 10,000-flow run (ulimit -n $NOFILE?)"
else
    T10K=$(awk -v c="$MAXC" -v s="$MAXS" -v ok="$CORR_ALL" -v g="$MAXGOOD" -v r="$REPEAT" 'BEGIN {
        pass = (ok == 1 && g == r && c + 0 < 200 && s + 0 < 200)
        printf "%s: %d/%d runs complete with a correct summary; peak RSS client %.1f MB, agent %.1f MB (limit 200 MB each)",
            pass ? "PASS" : "FAIL", g, r, c, s }')
    [ -n "$STALLED_LIST" ] && T10K="$T10K; flows marked stalled in each run: $STALLED_LIST"
fi

# --- stream.md ---
MD=$RESULTS/stream.md
OTHERS_RANGE=$(awk -F'\t' '$15 != "NA" {if (n++ == 0 || $15 + 0 < lo) lo = $15 + 0; if ($15 + 0 > hi) hi = $15 + 0}
    END {printf "%.1f–%.1f", lo, hi}' "$RUNS")
{
    echo "# Bulk throughput on loopback: tcplab vs iperf3 vs iperf2"
    echo
    echo "Written by \`bench/stream.sh\` on $DATE. Each figure is the median of $REPEAT runs of ${T} s"
    echo "(runs interleaved across tools). Throughput is what the **receiver** got."
    echo
    echo "Machine: $NPROC cores ($CPU_MODEL), ${MEM_MB} MB RAM, kernel $KERNEL, default congestion"
    echo "control \`$CC_DEFAULT\` (every tool used it), \`ulimit -n\` $NOFILE."
    echo "Tools: $V_TCPLAB; $V_IPERF3; $V_IPERF2."
    echo
    echo "## Results"
    echo
    echo "| Tool | Flows | Throughput Gbit/s (median) | Runs Gbit/s (steal) | tcplab / best peer | Client RSS MB | Server RSS MB | Client CPU s | Server CPU s | Gbit per CPU-s | Others' CPU s | Client command (median run) | Server command |"
    echo "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
    for count in $COUNTS; do
        tools=(tcplab iperf3 iperf2)
        [ "$count" != max ] && tools+=("iperf3 -l 1M" "iperf2 -l 1M" "tcplab -l 128K")
        [ "$count" = 16 ] && tools+=("tcplab -l 128K -T 16")
        for tool in "${tools[@]}"; do
            case "$count:$tool" in
            max:tcplab) n=$TCPLAB_MAX ;; max:iperf3) n=$IPERF3_MAX ;; max:iperf2) n=${IPERF2_MAX:-none} ;; *) n=$count ;;
            esac
            r="—"
            if [ "$tool" = tcplab ]; then
                if [ "$count" = max ]; then
                    r="$(ratio "$(get tcplab "$n" 5)" "$(best_peer $IPERF3_MAX "${IPERF2_MAX:-none}")") (vs peers at their max)"
                else
                    r=$(ratio "$(get tcplab "$n" 5)" "$(best_of "$n" iperf3 iperf2 "iperf3 -l 1M" "iperf2 -l 1M")")
                fi
            fi
            if [ -z "$(get "$tool" "$n" 1)" ]; then
                echo "| $tool | $n | not run | | | | | | | | | | |"
                continue
            fi
            good=$(get "$tool" "$n" 4)
            runs=$(get "$tool" "$n" 3)
            med=$(gbps "$(get "$tool" "$n" 5)")
            [ "$good" -eq 0 ] && med="failed"
            [ "$good" -lt "$runs" ] && med="$med ($good/$runs ok)"
            echo "| $tool | $n | **$med** | $(get "$tool" "$n" 6) | $r | $(get "$tool" "$n" 7) | $(get "$tool" "$n" 8) | $(get "$tool" "$n" 9) | $(get "$tool" "$n" 10) | $(get "$tool" "$n" 15) | $(get "$tool" "$n" 14) | \`$(get "$tool" "$n" 12 | sed "s|$ROOT/||")\` | \`$(get "$tool" "$n" 13 | sed "s|$ROOT/||")\` |"
        done
    done
    echo
    echo "Every client ran as \`/usr/bin/time -f '%M %U %S %e %x' -o FILE timeout -k 5 LIMIT <client command>\`;"
    echo "each measurement had its own fresh server/agent on a free port (shown for the median run)."
    echo "Throughput and CPU are medians over the good runs; RSS is the maximum over all runs."
    echo "Beside each run, in parentheses: the share of this machine's CPU time the hypervisor took"
    echo "during it (steal, /proc/stat). A run with steal lost that CPU whatever the tool; compare"
    echo "runs with little steal."
    echo "\"Others' CPU s\" is the median CPU time that other processes on this machine used during a run"
    echo "(from /proc/stat, user+nice+system, minus this test's client and server): the contention."
    echo "\"Gbit per CPU-s\" is received bits / (client + server CPU seconds), median over the good runs: how"
    echo "much CPU a tool spends per byte. On a shared machine it is steadier than throughput (the"
    echo "kernel's softirq work may be charged to neither process, so compare it between tools only)."
    failures=$(awk -F'\t' '$11 != "-" {print "- " $1 " -P " $2 ": " $11}' "$SUMMARY")
    if [ -n "$failures" ]; then
        echo
        echo "Failed runs:"
        echo
        echo "$failures"
    fi
    echo
    echo "## Targets"
    echo
    echo "At equal settings (the same write size on both sides; every tool's receiver reads as it likes):"
    echo
    echo "- 1 flow: $E1M_1"
    echo "- 1 flow: $E128_1"
    echo "- 16 flows: $E1M_16"
    echo "- 16 flows: $E128_16"
    echo "- 16 flows: $E128_16T"
    echo
    echo "tcplab's default (1 MiB writes) against the best peer at any write size:"
    echo
    echo "- 1 flow, throughput >= best peer: $T1"
    echo "- 16 flows, throughput >= best peer: $T16"
    echo "- 10,000 flows, correct summary and < 200 MB RSS in client and agent: $T10K"
    echo
    echo "## tcplab at $TCPLAB_MAX flows: is the summary correct?"
    echo
    echo "Checked in every repeat: $TCPLAB_MAX per-flow results, no failed flows, the summed bytes equal the"
    echo "sum of the flows' receiver bytes, and the summed rate equals the sum of the flows' rates"
    echo "(within 1 bit/s per flow of rounding). Connect time is \`.start.connect_ns\` (all flows connected)."
    echo
    echo "| Run | Flows | Failed | Stalled | Sum bytes = sum of flows | Sum rate vs sum of flow rates | Connect time | Per-flow min / median / max Mbit/s | Check |"
    echo "|---|---:|---:|---:|---|---|---:|---|---|"
    for r in "${CORR_ROWS[@]}"; do echo "$r"; done
    echo
    echo "## iperf2's practical maximum here"
    echo
    echo "Up to three ${PROBE_T} s probes per count (wall limit $((PROBE_T + 60)) s each), largest count first; the"
    echo "first count where at least two probes work is used above (${IPERF2_MAX:-none}: ${IPERF2_MAX_NOTE:-no count qualified}). A probe works when the client exits 0 and the server"
    echo "reports every flow."
    echo
    echo "| -P | Result | Details |"
    echo "|---:|---|---|"
    awk -F'\t' '
        function mb(k) { return (k == "NA" || k == "") ? "NA" : sprintf("%.0f", k / 1024) }
        $3 == "skipped" { printf "| %s | skipped | %s |\n", $2, $12; next }
        { sub(/^probe/, "", $3)
          printf "| %s | %s (probe %s) | wall %s s, client RSS %s MB, server RSS %s MB%s; %s |\n", $2,
              ($4 == 1) ? "works" : "**fails**", $3, $10, mb($6), mb($7),
              ($4 == 1) ? sprintf(", %.2f Gbit/s", $5 / 1e9) : "", $12 }' "$RAW/ladder.tsv"
    if [ $VARIANTS -eq 1 ]; then
        echo
        echo "## tcplab variants at 1 and 16 flows"
        echo
        echo "| Variant | Flows | Throughput Gbit/s (median) | Runs Gbit/s (steal) | Client CPU s | Server CPU s | Gbit per CPU-s | Others' CPU s |"
        echo "|---|---:|---:|---|---:|---:|---:|---:|"
        for n in 1 16; do
            echo "| tcplab (defaults) | $n | **$(gbps "$(get tcplab "$n" 5)")** | $(get tcplab "$n" 6) | $(get tcplab "$n" 9) | $(get tcplab "$n" 10) | $(get tcplab "$n" 15) | $(get tcplab "$n" 14) |"
            awk -F'\t' -v n="$n" '$1 ~ /^tcplab / && $2 == n {printf "| `%s` | %s | **%.2f** | %s | %s | %s | %s | %s |\n", $1, $2, $5 / 1e9, $6, $9, $10, $15, $14}' "$SUMMARY"
        done
        echo
        echo "At 1 flow \`tcplab\` and \`tcplab -T 1\` are the same configuration (worker threads are capped at the"
        echo "flow count, 1 on each end): their medians, $(gbps "$(get tcplab 1 5)") and $(gbps "$(get "tcplab -T 1" 1 5)") Gbit/s, show how far"
        echo "two identical sets of runs differ on this machine."
    fi
    echo
    echo "## What these numbers mean"
    echo
    echo "- Loopback only: no NIC, no wire. Throughput is bounded by memory copies and the CPU"
    echo "  time of the sender, the receiver and the kernel's loopback path, not by a link. A result"
    echo "  here says how cheaply a tool moves bytes, not how it behaves on a real path."
    echo "- $NPROC cores, and the client, the server and softirq processing all share them: a tool that"
    echo "  spends more CPU per byte on one side takes it from the other side. Thread counts above the"
    echo "  core count (iperf2: one thread per flow) mean scheduling overhead, not parallelism."
    echo "- Other work was running on this machine during the runs: see the \"Others' CPU s\" column"
    echo "  (out of $((NPROC * T)) CPU-seconds in a run; per run: $OTHERS_RANGE s). Runs are interleaved so it"
    echo "  falls on every tool alike, and the per-run figures show the spread. (The load average is no"
    echo "  guide here: iperf2's own thousands of threads count in it.)"
    echo "- The 'max' rows are at different flow counts (tcplab $TCPLAB_MAX, iperf3 $IPERF3_MAX, iperf2"
    echo "  ${IPERF2_MAX:-none}), so their ratio compares the most each tool can do, not equal work."
    echo "- iperf2's aggregate is its own [SUM] line from the server's (receiver's) \`-e -f b\` report:"
    echo "  all bytes / the span from the first flow's start to the last flow's end. Its flows may"
    echo "  run past -t, and at high counts they start and end staggered, so the span grows."
    echo "  tcplab counts only bytes inside the common ${T} s window."
    echo "- RSS is the peak resident set of the process (kernel socket buffers are not in it)."
    echo "- Raw outputs: bench/results/raw/stream/ (not committed)."
} >"$MD"
log "wrote $MD"
log "targets: 1 flow: $T1"
log "         16 flows: $T16"
log "         $TCPLAB_MAX flows: $T10K"
exit 0
