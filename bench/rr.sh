#!/usr/bin/env bash
# Request/response benchmark on loopback: tcplab rr/crr vs sockperf and iperf2, side by side.
#
#   bench/rr.sh [--quick] [--variants] [--pinned] [--report-only] [TCPLAB]   (default: build/tcplab)
#
# Workloads, each at 1 and 100 flows, every tool REPEAT times (default 3) for the same
# duration (default 10 s; BENCH_TIME=SECONDS overrides; --quick = 3 s and 1 repeat). Runs are
# interleaved (repeat 1 of every tool of a workload, then repeat 2, ...) so that background load
# falls on every tool alike. Every measurement gets a fresh server/agent on a free loopback port.
#
#   rr   one request, one response, on persistent connections, closed loop (the next request
#        goes when the response is in), TCP_NODELAY on both sides, BENCH_MSG bytes each way
#        (default 64: iperf2's bounceback refuses less, 14..63 fail with "tcp bounce-back read
#        failed"; sockperf's minimum is 14; so 64 is the smallest size all three accept).
#          tcplab   tcplab rr -P N --request M --response M --json   (TCP_NODELAY by default)
#                   rate .end.sum.transactions_per_second; p50/p99/mean .end.sum.latency:
#                   request written -> whole response read, log-linear histogram (<= 1%)
#          sockperf sockperf pp --tcp -m M --full-rtt   (TCP_NODELAY is its default for pp)
#                   rate ReceivedMessages / RunTime of its "[Valid Duration]" line (the warm-up
#                   is left out); p50/p99/mean from its percentile lines, which --full-rtt
#                   makes round-trip (without it sockperf prints RTT/2)
#          iperf2   iperf -c --bounceback --bounceback-period 0 -l M -N -P N -e
#                   (--bounceback-period 0: the default is 10 bursts a second, not a closed
#                   loop); rate = the flows' bounce-back counts summed / the longest flow's
#                   interval (its [SUM] line reports 0 bytes for bounceback in 2.1.8);
#                   mean = the flows' means weighted by their counts; iperf2 2.1.8 prints no
#                   p50/p99, only a PDF with 100 us bins: p50/p99 here are the upper edges of
#                   the bins that hold them in the flows' merged PDFs ("<=", 100 us resolution)
#        sockperf has no parallel client flows (sockperf#133). What it can do with 100
#        connections is measured beside it: one client with -f FILE over 100 connections,
#        which it serves round-robin with ONE message in flight (so it is a 1-flow load).
#   crr  a new connection per transaction.
#          tcplab   tcplab crr -P N --json (1-byte request and response: the least data)
#                   rate .end.sum.connects_per_second; connect p50/p99 .end.sum.connect_latency
#                   (connect() -> writable); transaction p50/p99 .end.sum.latency
#          iperf2   iperf -c --connect-only=K -P N -e (connect, then close: no data at all, so
#                   less work per connection than crr); iperf2 prints no rate: rate =
#                   connections made / the client's wall time (K per flow is chosen to last
#                   about BENCH_TIME at BENCH_CO_RATE=6000/s); connect p50/p99 computed here
#                   from its per-connection "ct=" values (10 us resolution); mean = its [CT] avg
#          sockperf has no connect-per-transaction mode: not supported
#        TIME_WAIT sockets that involve the run's server port (tcplab: the crr data port its
#        agent opened, .start.crr.port) are counted right after each crr run (ss);
#        net.ipv4.tcp_tw_reuse=2 lets loopback connects reuse them.
#   --variants adds tcplab with -T 1 (one worker thread per end) to every workload.
#   --pinned adds rr at 1 flow with the server and the client pinned (taskset) to the same CPU
#        (0/0) and to different CPUs (0/1), for every tool: on a small VM where a wake-up of an
#        idle vCPU is costly, placement decides a 1-flow rate more than the tool does.
#   --report-only rewrites rr.md from the last run's raw results (bench/results/raw/rr/).
#
# Only loopback (127.0.0.1). Every process is ended by its PID; loops are bounded; a trap
# stops whatever is still running on exit. Raw outputs go to bench/results/raw/rr/ (not
# committed); the table goes to bench/results/rr.md.
set -uo pipefail

usage() {
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
    echo "env: BENCH_TIME=SECONDS  REPEAT=N  BENCH_MSG=BYTES (rr, default 64)  BENCH_CO_RATE=6000"
}

QUICK=0
VARIANTS=0
PINNED=0
REPORT_ONLY=0
TCPLAB=""
for a in "$@"; do
    case "$a" in
    --quick) QUICK=1 ;;
    --variants) VARIANTS=1 ;;
    --pinned) PINNED=1 ;;
    --report-only) REPORT_ONLY=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "rr.sh: unknown option $a" >&2; usage >&2; exit 2 ;;
    *) TCPLAB=$a ;;
    esac
done

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
[ -n "$TCPLAB" ] || TCPLAB=$ROOT/build/tcplab
case "$TCPLAB" in /*) ;; *) TCPLAB=$PWD/$TCPLAB ;; esac
if [ ! -x "$TCPLAB" ]; then
    echo "rr.sh: $TCPLAB is not an executable tcplab binary (build it: make build)" >&2
    exit 2
fi

if [ $QUICK -eq 1 ]; then T=3; R=1; else T=10; R=3; fi
T=${BENCH_TIME:-$T}
REPEAT=${REPEAT:-$R}
MSG=${BENCH_MSG:-64}
CO_RATE=${BENCH_CO_RATE:-6000}
case "$T$REPEAT$MSG$CO_RATE" in *[!0-9]*) echo "rr.sh: BENCH_TIME, REPEAT, BENCH_MSG and BENCH_CO_RATE are whole numbers" >&2; exit 2 ;; esac
[ "$T" -ge 2 ] && [ "$REPEAT" -ge 1 ] && [ "$MSG" -ge 64 ] && [ "$CO_RATE" -ge 1 ] ||
    { echo "rr.sh: BENCH_TIME >= 2, REPEAT >= 1, BENCH_MSG >= 64 (iperf2's bounceback minimum)" >&2; exit 2; }
HOST=127.0.0.1
FLOWS_HI=100

# --- packages (only installed when missing; see scripts/deps.sh) ---
"$ROOT/scripts/deps.sh" sockperf iperf time || exit 1
for c in sockperf iperf jq ss /usr/bin/time timeout stdbuf; do
    command -v "$c" >/dev/null || { echo "rr.sh: $c not found" >&2; exit 1; }
done
ulimit -n 65536 2>/dev/null || true

RESULTS=$ROOT/bench/results
RAW=$RESULTS/raw/rr
RUNS=$RAW/runs.tsv
LOG=$RAW/bench.log
META=$RAW/meta.sh
if [ $REPORT_ONLY -eq 1 ]; then
    [ -s "$RUNS" ] && [ -s "$META" ] || { echo "rr.sh: no raw results in $RAW to report" >&2; exit 2; }
else
    rm -rf "$RAW"
    mkdir -p "$RAW" || exit 1
    : >"$RUNS"
    : >"$LOG"
fi

CLK_TCK=$(getconf CLK_TCK)
PIDS=() # processes we started and have not stopped yet

stop_pid() { # stop_pid PID: TERM, wait up to 10 s, then KILL; reap
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] &&
        { echo "rr.sh: pid $pid ignored SIGTERM for 10 s; SIGKILL" >>"$LOG"; kill -KILL "$pid" 2>/dev/null; }
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
trap 'echo "rr.sh: interrupted" >&2; exit 130' INT TERM

log() { echo "$*" | tee -a "$LOG"; }

# A free TCP port on 127.0.0.1 outside the ephemeral range (checked with ss; bounded tries).
free_port() {
    local i p
    for ((i = 0; i < 50; i++)); do
        p=$((20000 + RANDOM % 10000))
        [ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ] && { echo "$p"; return 0; }
    done
    return 1
}

# A run of COUNT free consecutive ports (for sockperf's -f feed file); bounded tries.
free_ports() {
    local count=$1 i p k busy
    for ((i = 0; i < 20; i++)); do
        p=$((20000 + RANDOM % (10000 - count)))
        busy=$(ss -Htan 2>/dev/null | awk -v lo="$p" -v hi="$((p + count - 1))" '
            { n = split($4, a, ":"); port = a[n] + 0; if (port >= lo && port <= hi) c++ } END { print c + 0 }')
        [ "$busy" -eq 0 ] && { for ((k = 0; k < count; k++)); do echo $((p + k)); done; return 0; }
    done
    return 1
}

# wait_listen PID PORT [COUNT]: until PID listens on COUNT sockets from PORT up (bounded 5 s)
wait_listen() {
    local pid=$1 port=$2 count=${3:-1} i n
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        n=$(ss -Htlnp 2>/dev/null | awk -v lo="$port" -v hi="$((port + count - 1))" -v pid="pid=$pid," '
            index($0, pid) { n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) c++ } END { print c + 0 }')
        [ "$n" -ge "$count" ] && return 0
        sleep 0.1
    done
    return 1
}

# server CPU seconds (utime + stime of /proc/PID/stat, all threads), read while it is alive
server_cpu() {
    sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk -v hz="$CLK_TCK" '{printf "%.2f", ($12 + $13) / hz}'
}

# start_server TOOL OUTFILE -> SRV_PID SRV_PORT SRV_CMD (TOOL: tcplab sockperf sockperf-f iperf2)
start_server() {
    local tool=$1 out=$2 try pf i
    SRV_PID="" SRV_PORT="" SRV_CMD=""
    for ((try = 0; try < 5; try++)); do
        case "$tool" in
        tcplab)
            pf=$RAW/agent.port
            rm -f "$pf"
            $SRV_PIN "$TCPLAB" serve --no-auth --bind $HOST --port 0 --port-file "$pf" -q >"$out" 2>&1 &
            SRV_PID=$!
            PIDS+=("$SRV_PID")
            for ((i = 0; i < 50; i++)); do
                [ -s "$pf" ] && break
                kill -0 "$SRV_PID" 2>/dev/null || break
                sleep 0.1
            done
            SRV_PORT=$(cat "$pf" 2>/dev/null)
            SRV_CMD="${SRV_PIN:+$SRV_PIN }$TCPLAB serve --bind $HOST --port 0 --port-file F -q   # listened on $SRV_PORT"
            [ -n "$SRV_PORT" ] && wait_listen "$SRV_PID" "$SRV_PORT" && return 0
            ;;
        sockperf)
            SRV_PORT=$(free_port) || return 1
            SRV_CMD="${SRV_PIN:+$SRV_PIN }sockperf sr --tcp -i $HOST -p $SRV_PORT"
            $SRV_CMD >"$out" 2>&1 &
            SRV_PID=$!
            PIDS+=("$SRV_PID")
            wait_listen "$SRV_PID" "$SRV_PORT" && return 0
            ;;
        sockperf-f)
            # one TCP server socket per connection: sockperf's feed file names each one
            free_ports "$FLOWS_HI" | sed "s/^/T:$HOST:/" >"$RAW/feed.txt" || return 1
            SRV_PORT=$(head -1 "$RAW/feed.txt" | cut -d: -f3)
            SRV_CMD="sockperf sr -f FEED -F e   # FEED: $FLOWS_HI lines T:$HOST:PORT, ports $SRV_PORT-$((SRV_PORT + FLOWS_HI - 1))"
            sockperf sr -f "$RAW/feed.txt" -F e >"$out" 2>&1 &
            SRV_PID=$!
            PIDS+=("$SRV_PID")
            wait_listen "$SRV_PID" "$SRV_PORT" "$FLOWS_HI" && return 0
            ;;
        iperf2)
            SRV_PORT=$(free_port) || return 1
            SRV_CMD="iperf -s -B $HOST -p $SRV_PORT -e"
            $SRV_PIN stdbuf -oL $SRV_CMD >"$out" 2>&1 &
            SRV_CMD="${SRV_PIN:+$SRV_PIN }$SRV_CMD"
            SRV_PID=$!
            PIDS+=("$SRV_PID")
            wait_listen "$SRV_PID" "$SRV_PORT" && return 0
            ;;
        esac
        echo "rr.sh: $tool server did not come up (try $try): $(tail -2 "$out" 2>/dev/null)" >>"$LOG"
        stop_pid "$SRV_PID"
        forget_pid "$SRV_PID"
    done
    return 1
}

# --- parsers: each prints "rate p50_us p99_us mean_us p50b_us p99b_us fails note" ---
# (p50b/p99b: tcplab crr's transaction latency beside its connect latency; NA elsewhere)

parse_tcplab() { # FILE WORKLOAD FLOWS
    jq -r --arg wl "$2" --argjson n "$3" '
        def us: if . == null then "NA" else (. / 1000 * 100 | round / 100 | tostring) end;
        .end as $e
        | ([ (if ($e.streams | length) != $n then "flows=\($e.streams | length)" else empty end),
             (if $e.failed_flows != 0 then "failed_flows=\($e.failed_flows)" else empty end) ] | join(",")) as $bad
        | if $wl == "rr" then
            [ $e.sum.transactions_per_second, ($e.sum.latency.p50_ns | us), ($e.sum.latency.p99_ns | us),
              ($e.sum.latency.mean_ns | us), "NA", "NA", 0, (if $bad == "" then "-" else $bad end) ]
          else
            ([$e.sum.connect_failures[]] | add) as $cf
            | [ $e.sum.connects_per_second, ($e.sum.connect_latency.p50_ns | us), ($e.sum.connect_latency.p99_ns | us),
                ($e.sum.connect_latency.mean_ns | us), ($e.sum.latency.p50_ns | us), ($e.sum.latency.p99_ns | us), $cf,
                (if $bad == "" then "-" else $bad end) ]
          end | map(tostring) | join(" ")' "$1" 2>/dev/null
}

parse_sockperf() { # FILE
    sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '
        /\[Valid Duration\]/ { for (i = 1; i <= NF; i++) { if ($i ~ /^RunTime=/) { split($i, a, "="); rt = a[2] + 0 }
                                                            if ($i ~ /^ReceivedMessages=/) { split($i, a, "="); rx = a[2] + 0 } } }
        /avg-rtt=/ { s = $0; sub(/.*avg-rtt=/, "", s); mean = s + 0 }
        /Round trip is/ { rtt = 1 }
        /percentile 50.000 =/ { p50 = $NF }
        /percentile 99.000 =/ { p99 = $NF }
        END {
            if (rt <= 0 || rx <= 0) { print "NA NA NA NA NA NA 0 no-valid-observations"; exit }
            printf "%.2f %s %s %s NA NA 0 %s\n", rx / rt, (p50 == "" ? "NA" : p50), (p99 == "" ? "NA" : p99),
                mean, (rtt ? "-" : "not-round-trip?") }'
}

parse_iperf2_bb() { # FILE FLOWS
    awk -v n="$2" '
        / rps$/ && /^\[ *[0-9]+\]/ {
            flows++
            split($0, a, "]"); split(a[2], f, " "); split(f[1], iv, "-"); if (iv[2] + 0 > maxend) maxend = iv[2] + 0
            for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+=[0-9.]+\//) { split($i, c, "="); split(c[2], st, "/"); cnt += c[1]; wsum += c[1] * st[1] }
        }
        /-PDF: bin\(w=100us\)/ {
            s = $0; sub(/.*\)=/, "", s); sub(/ .*/, "", s)
            m = split(s, b, ",")
            for (i = 1; i <= m; i++) { split(b[i], kv, ":"); h[kv[1] + 0] += kv[2]; tot += kv[2]; if (kv[1] + 0 > top) top = kv[1] + 0 }
        }
        END {
            if (flows == 0 || maxend <= 0) { print "NA NA NA NA NA NA 0 no-bounceback-report"; exit }
            p50 = p99 = "NA"; run = 0
            for (k = 0; k <= top; k++) { run += h[k]; if (p50 == "NA" && run >= 0.5 * tot) p50 = k * 100; if (p99 == "NA" && run >= 0.99 * tot) p99 = k * 100 }
            note = (flows == n) ? "-" : "flows=" flows
            printf "%.2f %s %s %.2f NA NA 0 %s\n", cnt / maxend, (p50 == "NA" ? "NA" : "<=" p50), (p99 == "NA" ? "NA" : "<=" p99),
                wsum / cnt * 1000, note }' "$1"
}

parse_iperf2_co() { # FILE WALL_S EXPECTED
    awk -v wall="$2" -v want="$3" '
        /connected with/ && /\(ct=/ { s = $0; sub(/.*\(ct=/, "", s); ct[++n] = s * 1000 } # ms -> us
        /final connect times/ { split($0, parts, " = "); split(parts[2], a, "/"); mean = a[2] * 1000
                                 split(parts[3], e, "/"); tot = e[1] + 0; err = e[2] + 0 }
        END {
            if (n == 0 || wall <= 0) { print "NA NA NA NA NA NA 0 no-connections"; exit }
            # sort the connect times (insertion sort would be slow at 60k: use a counting map at 10 us steps)
            for (i = 1; i <= n; i++) { k = int(ct[i] / 10 + 0.5); h[k]++; if (k > top) top = k }
            run = 0; p50 = p99 = "NA"
            for (k = 0; k <= top; k++) { run += h[k]; if (p50 == "NA" && run >= 0.5 * n) p50 = k * 10; if (p99 == "NA" && run >= 0.99 * n) p99 = k * 10 }
            if (tot == "") { tot = n; err = 0; note = "no-[CT]-line" } else note = "-"
            if (tot + 0 != want + 0) note = note ",made=" tot "/" want
            printf "%.2f %s %s %s NA NA %d %s\n", (tot - err) / wall, p50, p99, (mean == "" ? "NA" : mean), err, note }' "$1"
}

# TcpExt TCPTimeWaitOverflow: closes that kept no TIME_WAIT because the table was full
tw_overflows() {
    awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "TCPTimeWaitOverflow") c = i; h = 1 } else print $c }' /proc/net/netstat
}

# tw_count PORT: TIME_WAIT sockets with PORT at either end
tw_count() {
    ss -Htan state time-wait "( sport = :$1 or dport = :$1 )" 2>/dev/null | wc -l
}

# run_one LABEL WORKLOAD FLOWS REP: one measurement, one line in $RUNS
# LABEL: tcplab | "tcplab -T 1" | sockperf | sockperf-f | iperf2
# columns: label wl flows rep ok rate p50 p99 mean p50b p99b fails client_cpu server_cpu others_cpu
#          tw wall note client_cmd server_cmd
run_one() {
    local label=$1 wl=$2 n=$3 rep=$4 tool extra=""
    # a trailing " @S/C" pins the server to CPU S and the client to CPU C (taskset)
    local base=${label% @*}
    SRV_PIN="" CLI_PIN=""
    if [ "$base" != "$label" ]; then
        local pin=${label##* @}
        SRV_PIN="taskset -c ${pin%/*}" CLI_PIN="taskset -c ${pin#*/}"
    fi
    tool=${base%% *}
    [ "$base" != "$tool" ] && extra=${base#* }
    local tag
    tag=$(echo "$label-$wl-$n-$rep" | tr ' /' '__')
    local sout=$RAW/$tag.server.txt cout=$RAW/$tag.client.out tfile=$RAW/$tag.time
    local cmd limit=$((T + 60)) co_each=0
    if ! start_server "$tool" "$sout"; then
        printf '%s\t%s\t%s\t%s\t0\tNA\tNA\tNA\tNA\tNA\tNA\t0\tNA\tNA\tNA\tNA\tNA\t%s\t-\t%s\n' "$label" "$wl" "$n" "$rep" \
            "server did not start" "$SRV_CMD" >>"$RUNS"
        log "$label $wl P=$n rep $rep: server did not start"
        return 1
    fi
    case "$tool:$wl" in
    tcplab:rr) cmd="$TCPLAB rr $HOST -p $SRV_PORT -P $n -t $T --request $MSG --response $MSG $extra --json" ;;
    tcplab:crr) cmd="$TCPLAB crr $HOST -p $SRV_PORT -P $n -t $T $extra --json" ;;
    sockperf:rr) cmd="sockperf pp --tcp -i $HOST -p $SRV_PORT -t $T -m $MSG --full-rtt" ;;
    sockperf-f:rr) cmd="sockperf pp -f $RAW/feed.txt -F e -t $T -m $MSG --full-rtt" ;;
    iperf2:rr) cmd="iperf -c $HOST -p $SRV_PORT --bounceback --bounceback-period 0 -l $MSG -N -t $T -P $n -e" ;;
    iperf2:crr)
        co_each=$(((T * CO_RATE + n - 1) / n))
        cmd="iperf -c $HOST -p $SRV_PORT --connect-only=$co_each -P $n -e"
        ;;
    esac
    cmd=${cmd//  / }
    cmd="${CLI_PIN:+$CLI_PIN }$cmd"
    local stat0 stat1 rc
    stat0=$(head -1 /proc/stat)
    # timeout puts the client in its own process group and signals the whole group, so on a
    # hang or an interrupt (cleanup stops this PID) GNU time and the client both end
    local ov0 ov1
    ov0=$(tw_overflows)
    /usr/bin/time -f '%M %U %S %e %x' -o "$tfile" timeout -k 5 "$limit" $cmd >"$cout" 2>&1 &
    local cpid=$!
    PIDS+=("$cpid")
    wait "$cpid"
    rc=$?
    stat1=$(head -1 /proc/stat)
    forget_pid "$cpid"
    local scpu tw=NA sdead=""
    scpu=$(server_cpu "$SRV_PID")
    if ! kill -0 "$SRV_PID" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$SRV_PID/stat" 2>/dev/null)" = Z ]; then
        sdead="server died before the end"
    fi
    if [ "$wl" = crr ]; then
        # tcplab's crr connections go to a data port the agent opens for the test
        local twport=$SRV_PORT
        [ "$tool" = tcplab ] && twport=$(jq -r '.start.crr.port // empty' "$cout" 2>/dev/null)
        [ -n "$twport" ] && tw=$(tw_count "$twport")
        # the whole host's TIME_WAIT table, and the closes that found it full (no TIME_WAIT kept)
        ov1=$(tw_overflows)
        tw="$tw/$(ss -Htan state time-wait 2>/dev/null | wc -l)/$((ov1 - ov0))"
    fi
    stop_pid "$SRV_PID"
    forget_pid "$SRV_PID"
    local ccpu wall
    ccpu=$(tail -1 "$tfile" 2>/dev/null | awk '{printf "%.2f", $2 + $3}')
    wall=$(tail -1 "$tfile" 2>/dev/null | awk '{print $4}')
    local p
    case "$tool:$wl" in
    tcplab:*) p=$(parse_tcplab "$cout" "$wl" "$n") ;;
    sockperf*:rr) p=$(parse_sockperf "$cout") ;;
    iperf2:rr) p=$(parse_iperf2_bb "$cout" "$n") ;;
    iperf2:crr) p=$(parse_iperf2_co "$cout" "${wall:-0}" $((co_each * n))) ;;
    esac
    [ -n "$p" ] || p="NA NA NA NA NA NA 0 no-output"
    local rate p50 p99 mean p50b p99b fails note ok=1
    read -r rate p50 p99 mean p50b p99b fails note <<<"$p"
    [ "$note" = "-" ] && note=""
    [ "$rc" -eq 0 ] || { ok=0; note="client exit $rc$( { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && echo " (killed at the ${limit}s limit)") $note"; }
    [ "$rate" = NA ] && ok=0
    case "$note" in *flows=* | *no-* | *not-round-trip*) ok=0 ;; esac  # flows= also catches failed_flows=
    [ -n "$sdead" ] && { ok=0; note="$sdead; $note"; }
    [ "$ok" -eq 0 ] && note="$note: $(grep -iE 'error|fail|refused|abort' "$cout" | head -1 | cut -c1-160)"
    local others
    others=$(printf '%s\n%s\n' "$stat0" "$stat1" | awk -v hz="$CLK_TCK" -v c="${ccpu:-0}" -v s="${scpu:-0}" '
        { u[NR] = $2 + $3 + $4 } END { o = (u[2] - u[1]) / hz - c - s; printf "%.2f", (o < 0 ? 0 : o) }')
    note=$(echo "$note" | sed 's/^[ :]*//' | tr '\t' ' ')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$wl" "$n" "$rep" "$ok" \
        "$rate" "$p50" "$p99" "$mean" "$p50b" "$p99b" "$fails" "${ccpu:-NA}" "${scpu:-NA}" "$others" "$tw" "${wall:-NA}" \
        "${note:--}" "$cmd" "$SRV_CMD" >>"$RUNS"
    log "$(printf '%-12s %-3s P=%-3s rep %s: %10s /s  p50 %s us  p99 %s us  cpu c/s %s/%s  others %s  tw %s  ok=%s %s' \
        "$label" "$wl" "$n" "$rep" "$rate" "$p50" "$p99" "${ccpu:-NA}" "${scpu:-NA}" "$others" "$tw" "$ok" "$note")"
    [ "$ok" -eq 1 ]
}

# --- machine ---
KERNEL=$(uname -r)
NPROC=$(nproc)
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MEM_MB=$(awk '/^MemTotal/ {printf "%d", $2 / 1024}' /proc/meminfo)
GOVERNOR=$(cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null || echo "not exposed (no cpufreq in this guest)")
TW_REUSE=$(cat /proc/sys/net/ipv4/tcp_tw_reuse)
PORT_RANGE=$(tr '\t' '-' </proc/sys/net/ipv4/ip_local_port_range)
CC_DEFAULT=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
V_TCPLAB=$("$TCPLAB" --version 2>&1 | head -1)
V_SOCKPERF=$(sockperf --version 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | grep -m1 -i version | sed 's/^ *//')
V_IPERF2=$(iperf -v 2>&1 | head -1)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
if [ $REPORT_ONLY -eq 1 ]; then
    # the settings and the moment of the measured run, not of this rewrite
    # shellcheck source=/dev/null
    . "$META"
else
log "rr.sh: $DATE, $NPROC cores, kernel $KERNEL, T=${T}s, REPEAT=$REPEAT, message $MSG B, load $LOAD0"
log "  $V_TCPLAB | $V_SOCKPERF | $V_IPERF2"

# --- measurements, interleaved within each workload ---
GROUPS_RUN=("rr 1" "rr $FLOWS_HI" "crr 1" "crr $FLOWS_HI")
[ $PINNED -eq 1 ] && GROUPS_RUN+=("rr 1 pinned")
for group in "${GROUPS_RUN[@]}"; do
    read -r wl n _ <<<"$group"
    case "$group" in
    "rr 1 pinned") ENTRIES=("tcplab @0/0" "sockperf @0/0" "iperf2 @0/0" "tcplab @0/1" "sockperf @0/1" "iperf2 @0/1") ;;
    "rr 1") ENTRIES=(tcplab sockperf iperf2) ;;
    "rr $FLOWS_HI") ENTRIES=(tcplab iperf2 sockperf-f) ;;
    crr*) ENTRIES=(tcplab iperf2) ;;
    esac
    [ $VARIANTS -eq 1 ] && [ "$group" != "rr 1 pinned" ] && ENTRIES+=("tcplab -T 1")
    ne=${#ENTRIES[@]}
    for ((rep = 1; rep <= REPEAT; rep++)); do
        for ((k = 0; k < ne; k++)); do
            run_one "${ENTRIES[$(((k + rep - 1) % ne))]}" "$wl" "$n" "$rep"
        done
    done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'DATE=%q\nLOAD0=%q\nLOAD1=%q\nT=%q\nREPEAT=%q\nMSG=%q\nQUICK=%q\nVARIANTS=%q\nPINNED=%q\nGOVERNOR=%q\n' \
    "$DATE" "$LOAD0" "$LOAD1" "$T" "$REPEAT" "$MSG" "$QUICK" "$VARIANTS" "$PINNED" "$GOVERNOR" >"$META"
fi

# --- summary per (label, workload, flows): medians of the good runs ---
SUMMARY=$RAW/summary.tsv
awk -F'\t' '
function median(s,   a, n, i, j, t, pre) {
    n = split(s, a, " ")
    if (n == 0) return "NA"
    pre = (a[1] ~ /^<=/) ? "<=" : ""
    for (i = 1; i <= n; i++) sub(/^<=/, "", a[i])
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    t = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    return pre sprintf((t + 0 >= 1000 || pre != "" ? "%.0f" : "%.1f"), t)
}
function add(arr, k, v) { if (v != "NA") arr[k] = arr[k] " " v }
{
    k = $1 "\t" $2 "\t" $3
    if (!(k in seen)) { seen[k] = 1; order[++m] = k }
    runs[k]++
    if ($5 == 1) {
        good[k]++; add(rate, k, $6); add(p50, k, $7); add(p99, k, $8); add(mean, k, $9); add(p50b, k, $10); add(p99b, k, $11)
        add(cc, k, $13); add(sc, k, $14); add(oth, k, $15); if ($16 != "NA") tw[k] = tw[k] (tw[k] == "" ? "" : ", ") $16
        all[k] = all[k] (all[k] == "" ? "" : ", ") sprintf("%.0f", $6)
    } else bad[k] = bad[k] (bad[k] == "" ? "" : "; ") "rep " $4 ": " $18
    fl[k] = fl[k] + $12
    cmd[k, $4] = $19; scmd[k, $4] = $20; rv[k, $4] = $6; reps[k] = reps[k] " " $4
}
END {
    for (i = 1; i <= m; i++) {
        k = order[i]; med = median(rate[k])
        n = split(reps[k], r, " "); best = r[1]; d = -1
        for (j = 1; j <= n; j++) if (rv[k, r[j]] != "NA") { x = rv[k, r[j]] - med; if (x < 0) x = -x; if (d < 0 || x < d) { d = x; best = r[j] } }
        printf "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", k, runs[k], good[k] + 0, med, all[k],
            median(p50[k]), median(p99[k]), median(mean[k]), median(p50b[k]), median(p99b[k]),
            median(cc[k]), median(sc[k]), median(oth[k]), (tw[k] == "" ? "NA" : tw[k]), fl[k], (bad[k] == "" ? "-" : bad[k]), cmd[k, best], scmd[k, best]
    }
}' "$RUNS" >"$SUMMARY"
# columns: 1 label 2 wl 3 flows 4 runs 5 good 6 rate 7 all-rates 8 p50 9 p99 10 mean 11 p50b 12 p99b
#          13 client_cpu 14 server_cpu 15 others_cpu 16 tw 17 connect-failures 18 failures 19 cmd 20 srvcmd

get() { awk -F'\t' -v l="$1" -v w="$2" -v f="$3" -v c="$4" '$1 == l && $2 == w && $3 == f {print $c; exit}' "$SUMMARY"; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN {if (x == "" || y == "" || x == "NA" || y == "NA" || y + 0 == 0) print "NA"; else printf "%.2f", x / y}'; }
best_peer() { # WL FLOWS -> "rate label" of the best native peer (sockperf-f is not a peer: 1 in flight)
    local wl=$1 n=$2 best="NA" who="none" l v
    for l in sockperf iperf2; do
        v=$(get "$l" "$wl" "$n" 6)
        [ -n "$v" ] && [ "$v" != NA ] && [ "$(get "$l" "$wl" "$n" 5)" -gt 0 ] || continue
        if [ "$best" = NA ] || awk -v a="$v" -v b="$best" 'BEGIN {exit !(a + 0 > b + 0)}'; then best=$v; who=$l; fi
    done
    echo "$best $who"
}
target_line() { # WL FLOWS
    local t bp who
    t=$(get tcplab "$1" "$2" 6)
    read -r bp who <<<"$(best_peer "$1" "$2")"
    awk -v t="${t:-NA}" -v p="$bp" -v who="$who" -v unit="$([ "$1" = rr ] && echo transactions/s || echo connections/s)" 'BEGIN {
        if (t == "NA" || p == "NA") { printf "UNKNOWN (missing data: tcplab %s, best peer %s)", t, p; exit }
        printf "%s: tcplab %.0f %s vs best peer (%s) %.0f (ratio %.2f)", (t + 0 >= p + 0) ? "PASS" : "FAIL", t, unit, who, p, t / p }'
}
TRR1=$(target_line rr 1)
TRR100=$(target_line rr $FLOWS_HI)
TCRR1=$(target_line crr 1)
TCRR100=$(target_line crr $FLOWS_HI)
P99_OK=PASS
for g in "rr 1" "rr $FLOWS_HI" "crr 1" "crr $FLOWS_HI"; do
    read -r wl n <<<"$g"
    v=$(get tcplab "$wl" "$n" 9)
    [ -n "$v" ] && [ "$v" != NA ] || P99_OK="FAIL (no tcplab p99 for $wl at $n flows)"
done

# --- rr.md ---
MD=$RESULTS/rr.md
rowfor() { # LABEL WL FLOWS SHOWNAME
    local l=$1 wl=$2 n=$3 name=$4 good runs rate r
    if [ -z "$(get "$l" "$wl" "$n" 1)" ]; then
        echo "| $name | $wl | $n | not run | | | | | | | | | |"
        return
    fi
    good=$(get "$l" "$wl" "$n" 5); runs=$(get "$l" "$wl" "$n" 4)
    rate=$(get "$l" "$wl" "$n" 6)
    [ "$rate" != NA ] && rate=$(printf '%.0f' "$rate")
    [ "$good" -eq 0 ] && rate="failed"
    [ "$good" -lt "$runs" ] && rate="$rate ($good/$runs ok)"
    r="—"
    case "$l" in tcplab*) read -r bp _ <<<"$(best_peer "$wl" "$n")"; r=$(ratio "$(get "$l" "$wl" "$n" 6)" "$bp") ;; esac
    local lat2="—"
    [ "$wl" = crr ] && [ "${l%% *}" = tcplab ] && lat2="$(get "$l" "$wl" "$n" 11) / $(get "$l" "$wl" "$n" 12)"
    echo "| $name | $wl | $n | **$rate** | $(get "$l" "$wl" "$n" 7) | $r | $(get "$l" "$wl" "$n" 8) | $(get "$l" "$wl" "$n" 9) | $(get "$l" "$wl" "$n" 10) | $lat2 | $(get "$l" "$wl" "$n" 13) / $(get "$l" "$wl" "$n" 14) | $(get "$l" "$wl" "$n" 15) | \`$(get "$l" "$wl" "$n" 19 | sed "s|$ROOT/||")\` |"
}
unsupported() { echo "| $1 | $2 | $3 | not supported | | | | | | | | | $4 |"; }
{
    echo "# Request/response on loopback: tcplab rr/crr vs sockperf and iperf2"
    echo
    echo "Written by \`bench/rr.sh$([ $QUICK -eq 1 ] && echo " --quick")$([ $VARIANTS -eq 1 ] && echo " --variants")$([ $PINNED -eq 1 ] && echo " --pinned")\` on $DATE. Each figure is the median of $REPEAT run(s)"
    echo "of ${T} s (runs interleaved across the tools of a workload); each run had a fresh server/agent"
    echo "on a free loopback port. rr messages: $MSG bytes each way for every tool (the smallest size"
    echo "iperf2's bounceback accepts). crr: tcplab 1-byte request and response; iperf2 connects and closes."
    echo
    echo "Machine: $NPROC cores ($CPU_MODEL), ${MEM_MB} MB RAM, kernel $KERNEL; CPU governor: $GOVERNOR;"
    echo "congestion control \`$CC_DEFAULT\`; \`tcp_tw_reuse\` $TW_REUSE; ephemeral ports $PORT_RANGE."
    echo "Load average (1/5/15 min) $LOAD0 at the start, $LOAD1 at the end: other work shared the machine."
    echo "Tools: $V_TCPLAB; $V_SOCKPERF; $V_IPERF2. netperf is not in Debian's main archive and"
    echo "neper is not packaged, so neither ran here."
    echo
    echo "## Results"
    echo
    echo "| Tool | Workload | Flows | Rate /s (median) | Runs /s | tcplab / best peer | p50 us | p99 us | mean us | crr transaction p50 / p99 us | CPU s client / server | Others' CPU s | Client command (median run) |"
    echo "|---|---|---:|---:|---|---:|---:|---:|---:|---|---|---:|---|"
    rowfor tcplab rr 1 tcplab
    rowfor sockperf rr 1 sockperf
    rowfor iperf2 rr 1 iperf2
    [ $VARIANTS -eq 1 ] && rowfor "tcplab -T 1" rr 1 "tcplab -T 1"
    rowfor tcplab rr $FLOWS_HI tcplab
    rowfor iperf2 rr $FLOWS_HI iperf2
    unsupported sockperf rr $FLOWS_HI "no parallel client flows (sockperf#133)"
    rowfor sockperf-f rr $FLOWS_HI "sockperf -f ($FLOWS_HI connections, 1 message in flight: not a peer)"
    [ $VARIANTS -eq 1 ] && rowfor "tcplab -T 1" rr $FLOWS_HI "tcplab -T 1"
    rowfor tcplab crr 1 tcplab
    rowfor iperf2 crr 1 "iperf2 --connect-only"
    unsupported sockperf crr 1 "no connection-per-transaction mode"
    [ $VARIANTS -eq 1 ] && rowfor "tcplab -T 1" crr 1 "tcplab -T 1"
    rowfor tcplab crr $FLOWS_HI tcplab
    rowfor iperf2 crr $FLOWS_HI "iperf2 --connect-only"
    unsupported sockperf crr $FLOWS_HI "no connection-per-transaction mode"
    [ $VARIANTS -eq 1 ] && rowfor "tcplab -T 1" crr $FLOWS_HI "tcplab -T 1"
    echo
    echo "Rate: rr = transactions/s, crr = connections/s. p50/p99/mean: rr = round trip of one"
    echo "transaction; crr = connect latency (tcplab: connect() to writable; iperf2: its per-connection"
    echo "\"ct=\" time), with tcplab's request-to-response time in its own column. \"<=\" marks iperf2"
    echo "bounceback percentiles read off its 100 us PDF bins (upper bin edge). \"Others' CPU s\" is what"
    echo "the rest of the machine used during a run (/proc/stat user+nice+system minus this test's client"
    echo "and server), out of $((NPROC * T)) CPU-seconds per run. The server commands were:"
    echo
    for l in tcplab sockperf sockperf-f iperf2; do
        s=$(awk -F'\t' -v l="$l" '$1 == l {print $20; exit}' "$SUMMARY" | sed "s|$ROOT/||")
        [ -n "$s" ] && echo "- $l: \`$s\`"
    done
    echo
    echo "Every client ran as \`/usr/bin/time -f '%M %U %S %e %x' -o FILE timeout -k 5 LIMIT <client command>\`."
    failures=$(awk -F'\t' '$18 != "-" {print "- " $1 " " $2 " -P " $3 ": " $18}' "$SUMMARY")
    if [ -n "$failures" ]; then
        echo
        echo "Failed runs:"
        echo
        echo "$failures"
    fi
    echo
    if [ $PINNED -eq 1 ]; then
        echo "## rr at 1 flow with pinned CPUs"
        echo
        echo "Server pinned to CPU 0; client pinned to CPU 0 (same core) or CPU 1 (the other core), by"
        echo "\`taskset -c\` in front of each command. Ratios are tcplab / the best peer in the same placement."
        echo
        echo "| Tool | Placement (server/client CPU) | Rate /s (median) | Runs /s | tcplab / best peer | p50 us | p99 us | mean us | CPU s client / server | Others' CPU s |"
        echo "|---|---|---:|---|---:|---:|---:|---:|---|---:|"
        for pl in 0/0 0/1; do
            bp=$(for l in sockperf iperf2; do get "$l @$pl" rr 1 6; done | awk '$1 != "NA" && $1 + 0 > b {b = $1} END {print b + 0}')
            for l in tcplab sockperf iperf2; do
                k="$l @$pl"
                [ -n "$(get "$k" rr 1 1)" ] || continue
                r="—"; [ "$l" = tcplab ] && r=$(ratio "$(get "$k" rr 1 6)" "$bp")
                echo "| $l | $pl | **$(printf '%.0f' "$(get "$k" rr 1 6)")** | $(get "$k" rr 1 7) | $r | $(get "$k" rr 1 8) | $(get "$k" rr 1 9) | $(get "$k" rr 1 10) | $(get "$k" rr 1 13) / $(get "$k" rr 1 14) | $(get "$k" rr 1 15) |"
            done
        done
        echo
    fi
    echo "## crr: TIME_WAIT and failed connects"
    echo
    echo "Counted right after each run (one entry per run): TIME_WAIT sockets on the run's server port /"
    echo "TIME_WAIT sockets on the whole host / closes during the run that kept no TIME_WAIT because the"
    echo "host's table was full (TcpExt TCPTimeWaitOverflow; \`tcp_max_tw_buckets\` is $(cat /proc/sys/net/ipv4/tcp_max_tw_buckets))."
    echo "Other work on this machine makes TIME_WAIT sockets too, and a full table makes connects cheaper"
    echo "(no TIME_WAIT port to skip when picking a source port), so crr rates depend on it."
    echo
    echo "| Tool | Flows | TIME_WAIT: port / host / overflowed closes, per run | Failed connects (all runs) |"
    echo "|---|---:|---|---:|"
    for n in 1 $FLOWS_HI; do
        for l in tcplab iperf2 "tcplab -T 1"; do
            [ -n "$(get "$l" crr "$n" 1)" ] && echo "| $l | $n | $(get "$l" crr "$n" 16) | $(get "$l" crr "$n" 17) |"
        done
    done
    echo
    echo "## Targets (issue 3)"
    echo
    echo "- rr, 1 flow, transactions/s >= best peer: $TRR1"
    echo "- rr, $FLOWS_HI flows, transactions/s >= best peer: $TRR100 (sockperf: not supported)"
    echo "- crr, 1 flow, connections/s >= best peer: $TCRR1 (iperf2 --connect-only does less per connection)"
    echo "- crr, $FLOWS_HI flows, connections/s >= best peer: $TCRR100"
    echo "- p99 reported: tcplab $P99_OK (every row). sockperf reports p99 itself; iperf2 2.1.8 does not"
    echo "  (bounceback: 5/95/99.7% of a 100 us PDF; connect-only: min/avg/max/stdev), so its p50/p99"
    echo "  above are computed by this script from its PDF bins and per-connection lines."
    echo
    echo "## What these numbers mean"
    echo
    echo "- Loopback, $NPROC cores: the client, the server and the kernel's softirq work share the same two"
    echo "  CPUs. A transaction on loopback is two sends, two wake-ups and two receives; what a tool"
    echo "  measures is mostly system-call and scheduler cost, not a network. Other sessions' work ran on"
    echo "  this machine at the same time (see the load average and \"Others' CPU s\"); the per-run rates"
    echo "  show the spread."
    echo "- tcplab's latency: from the moment the request is due (closed loop: when the previous response"
    echo "  completed) to the last byte of the response read, CLOCK_MONOTONIC, log-linear histogram"
    echo "  (<= 1% error), every transaction in the window."
    echo "- sockperf's latency (--full-rtt): send to receive of each message, TSC clock, every message of"
    echo "  the valid window (after a 400 ms warm-up). Without --full-rtt it reports half of it."
    echo "- iperf2's bounceback latency: client write to client read of the echoed message, per flow;"
    echo "  mean to 1 us, percentiles only in 100 us bins. Its server sets TCP_QUICKACK (\"bb w/quickack\")."
    echo "- iperf2 --connect-only times connect() alone and sends no data; its rate here includes process"
    echo "  start and exit (client wall time). tcplab crr also writes and reads one byte each way and"
    echo "  closes, so per connection it does more."
    echo "- sockperf at $FLOWS_HI: \`sockperf pp -f\` with $FLOWS_HI TCP connections sends one message at a"
    echo "  time, round-robin over the connections, so its rate is a 1-flow rate; it is shown for what it is."
    echo "- Why tcplab trails sockperf at 1 flow, what limits crr at $FLOWS_HI flows, and what to change in"
    echo "  the engine: bench/results/rr-notes.md (hand-written, with the commands and figures)."
    echo "- Raw outputs: bench/results/raw/rr/ (not committed)."
} >"$MD"
log "wrote $MD"
log "targets: rr 1: $TRR1"
log "         rr $FLOWS_HI: $TRR100"
log "         crr 1: $TCRR1"
log "         crr $FLOWS_HI: $TCRR100"
log "         p99: $P99_OK"
exit 0
