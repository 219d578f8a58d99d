#!/usr/bin/env bash
# The testbed's forwarder against the kernel's own tbf shaper, on the same namespaces and veths.
#
#   bench/testbed.sh [TCPLAB]        (default: build/tcplab; needs root)
#
# For each rate in RATES (default "100mbit 1gbit 2gbit 3gbit 5gbit"):
#   tcplab   `tcplab testbed up --rate R --rtt 5ms --buffer 1bdp --aqm taildrop --prio P`: the
#            userspace forwarder (default spin) moves every packet; one row for each P in
#            BENCH_PRIOS (default "high": nice -20; "high rt" adds a SCHED_FIFO row)
#            and each --isolate in BENCH_ISOLATE (default "off", the tool's default; "on off"
#            adds rows with the forwarder on a CPU of its own, labelled "isolated")
#            and each --standby in BENCH_STANDBY (default "on", the tool's default; "on off"
#            adds rows with the forwarder on one thread, labelled "1 thread")
#   tbf      the same testbed (--isolate off) with its forwarder ended (by PID), the two router ports
#            enslaved to a bridge in the router namespace and `tc qdisc ... tbf rate R
#            burst B limit L` on both ports (B = max(3028 B, R x 1 ms), L = R x 5 ms): the
#            kernel forwards and shapes; tbf has no delay, so its configured RTT is 0.
#            While tbf runs, the script holds the same wake-up latency request the
#            forwarder holds by default (0 us on /dev/cpu_dma_latency), so both shapers
#            run on CPUs that poll when idle; BENCH_CPU_LATENCY=off drops it for both.
# and measures, in that order:
#   idle RTT    BENCH_PINGS (default 1000) pings 10 ms apart from snd1 to rcv, p50 and p99;
#               "added" = RTT - the
#               configured RTT (5 ms for tcplab, 0 for tbf); ping prints 3 digits, so the
#               resolution is 10 us above 1 ms
#   goodput     one Cubic flow, `tcplab stream RCV -t $BENCH_TIME --cc cubic`, receiver bytes;
#               accuracy = goodput / (R x 1448 / 1514), the most a full-MTU TCP flow with
#               timestamps can get when the shaper counts Ethernet frames (both do)
#   CPU         tcplab: the forwarder's utime + stime over the flow (/proc/PID/stat), in % of
#               one CPU over the stream's wall time (connect and results included); both: all
#               CPUs busy over that time (/proc/stat), in % of one CPU (at most nproc x 100%),
#               which includes both TCP ends and the kernel's softirq work
#   steal       time the hypervisor ran something else on this VM's CPUs (/proc/stat steal)
#               over the row, in % of all CPUs: a packet waits for a CPU that is not there,
#               whatever the shaper, so a row with steal has a noisy RTT tail
#   late        tcplab only: how late the forwarder sent packets against their due time
#               during the flow (status .forwarder.late_ns: p50 / p99)
# Raw outputs go to bench/results/raw/testbed/ (not committed); the table is printed.
set -uo pipefail

TCPLAB=${1:-build/tcplab}
TCPLAB=$(readlink -f "$TCPLAB")
RATES=${RATES:-"100mbit 1gbit 2gbit 3gbit 5gbit"}
BENCH_TIME=${BENCH_TIME:-10}
BENCH_CPU_LATENCY=${BENCH_CPU_LATENCY:-0us}
BENCH_PRIOS=${BENCH_PRIOS:-high}
BENCH_PINGS=${BENCH_PINGS:-1000}
BENCH_ISOLATE=${BENCH_ISOLATE:-off}
BENCH_STANDBY=${BENCH_STANDBY:-on}
for i in $BENCH_STANDBY; do
    case $i in
    on | off) ;;
    *) echo "bench/testbed.sh: BENCH_STANDBY has \"$i\": write on, off or \"on off\"" >&2; exit 2 ;;
    esac
done
for i in $BENCH_ISOLATE; do
    case $i in
    on | off) ;;
    *) echo "bench/testbed.sh: BENCH_ISOLATE has \"$i\": write on, off or \"on off\"" >&2; exit 2 ;;
    esac
done
for p in $BENCH_PRIOS; do
    case $p in
    high | rt | normal) ;;
    *) echo "bench/testbed.sh: BENCH_PRIOS has \"$p\": write high, rt or normal" >&2; exit 2 ;;
    esac
done
case $BENCH_PINGS in
'' | *[!0-9]* | 0) echo "bench/testbed.sh: BENCH_PINGS=$BENCH_PINGS: write a count of pings, e.g. 1000" >&2; exit 2 ;;
esac
case $BENCH_CPU_LATENCY in
off | [0-9]*us) ;;
*) echo "bench/testbed.sh: BENCH_CPU_LATENCY=$BENCH_CPU_LATENCY: write off or microseconds, e.g. 0us" >&2; exit 2 ;;
esac
RAW=bench/results/raw/testbed
[ "$(id -u)" -eq 0 ] || { echo "bench/testbed.sh: needs root (network namespaces)"; exit 1; }
[ -x "$TCPLAB" ] || { echo "bench/testbed.sh: no $TCPLAB (make build)"; exit 1; }
mkdir -p "$RAW"
NAME=bench$$
. "$(dirname "$0")/testbed_lib.sh"

cpu_busy() { # jiffies busy (all CPUs) and total
    awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8; t = b + $5 + $6; print b, t }' /proc/stat
}

cpu_steal() { # jiffies stolen and all jiffies (all CPUs)
    awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print $9, t }' /proc/stat
}

proc_cpu() { # utime + stime of PID, in clock ticks
    awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# ping_stats HOST-ADDR: "p50 p99" in ms of BENCH_PINGS pings from snd1
ping_stats() {
    "$TCPLAB" testbed exec "$NAME" snd1 -- ping -n -c "$BENCH_PINGS" -i 0.01 "$1" 2>/dev/null |
        sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) { print "- -"; exit } printf "%s %s\n", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)] }'
}

# measure KIND RATE LABEL: one row
measure() {
    local kind=$1 rate=$2 label=$3 bps pf port rcv t0 t1 c0 c1 f0 f1 fpid want s0 a0 s1 a1
    bps=$(rate_bps "$rate")
    read -r s0 a0 < <(cpu_steal)
    rcv=$(jq -r '.hosts[] | select(.name == "rcv") | .addr' "$RAW/$NAME.up.json")
    read -r p50 p99 < <(ping_stats "$rcv")
    start_receiver "$RAW/port.$$"
    local apid=$APID
    port=$PORT
    fpid=$(jq -r '.forwarder_pid' "$RAW/$NAME.up.json")
    [ "$kind" = tcplab ] && f0=$(proc_cpu "$fpid") || f0=0
    read -r c0 t0 < <(cpu_busy)
    local w0 w1
    w0=$(date +%s%N)
    "$TCPLAB" testbed exec "$NAME" snd1 -- "$TCPLAB" stream "$rcv" -p "$port" -t "$BENCH_TIME" -i 0 \
        --cc cubic --json >"$RAW/${label// /-}.$rate.stream.json" 2>&1
    read -r c1 t1 < <(cpu_busy)
    w1=$(date +%s%N)
    [ "$kind" = tcplab ] && f1=$(proc_cpu "$fpid") || f1=0
    kill "$apid" 2>/dev/null
    wait "$apid" 2>/dev/null
    local got late="- / -"
    got=$(jq '.end.sum.bits_per_second // 0' "$RAW/${label// /-}.$rate.stream.json")
    if [ "$kind" = tcplab ]; then
        "$TCPLAB" testbed status "$NAME" --json >"$RAW/${label// /-}.$rate.status.json"
        late=$(jq -r '.forwarder.late_ns | "\(.p50 / 1000 | floor) / \(.p99 / 1000 | floor) us"' "$RAW/${label// /-}.$rate.status.json")
    fi
    local tck
    tck=$(getconf CLK_TCK)
    read -r s1 a1 < <(cpu_steal)
    awk -v kind="$kind" -v label="$label" -v steal="$((s1 - s0))" -v all="$((a1 - a0))" -v rate="$rate" -v bps="$bps" -v got="$got" -v p50="$p50" -v p99="$p99" \
        -v cfg="$([ "$kind" = tcplab ] && echo 5 || echo 0)" -v f="$((f1 - f0))" -v tck="$tck" \
        -v c="$((c1 - c0))" -v t="$((t1 - t0))" -v ncpu="$(nproc)" -v secs="$(((w1 - w0) / 1000000))" \
        -v late="$late" 'BEGIN {
        secs /= 1000
        want = bps * 1448 / 1514
        fcpu = kind == "tcplab" ? sprintf("%.0f%%", 100 * f / tck / secs) : "-"
        printf "| %-20s | %-7s | %9.1f | %6.2f%% | %7.3f | %7.3f | %8s | %5.0f%% | %4.1f%% | %s |\n", label,
            rate, got / 1e6, 100 * (got - want) / want, p50 - cfg, p99 - cfg, fcpu,
            100 * ncpu * c / t, all ? 100 * steal / all : 0, late
    }'
}

# tbf on the same veths: the forwarder ends, a bridge joins the router's ports.
to_tbf() {
    local rate=$1 bps burst limit rtr fpid
    bps=$(rate_bps "$rate")
    burst=$(awk -v b="$bps" 'BEGIN { v = b / 8 / 1000; if (v < 3028) v = 3028; printf "%.0f", v }')
    limit=$(awk -v b="$bps" 'BEGIN { printf "%.0f", b / 8 * 0.005 }')
    rtr=$(jq -r '.router.netns' "$RAW/$NAME.up.json")
    fpid=$(jq -r '.forwarder_pid' "$RAW/$NAME.up.json")
    kill "$fpid"
    for _ in $(seq 1 100); do kill -0 "$fpid" 2>/dev/null || break; sleep 0.02; done
    ip -n "$rtr" link add br0 type bridge
    ip -n "$rtr" link set rcv master br0
    ip -n "$rtr" link set snd1 master br0
    ip -n "$rtr" link set br0 up
    ip netns exec "$rtr" tc qdisc replace dev rcv root tbf rate "$rate" burst "$burst" limit "$limit"
    ip netns exec "$rtr" tc qdisc replace dev snd1 root tbf rate "$rate" burst "$burst" limit "$limit"
    echo "tbf: rate $rate burst $burst limit $limit" >>"$RAW/commands.txt"
}

echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), cpu latency $BENCH_CPU_LATENCY" | tee "$RAW/commands.txt"
echo "| shaper | rate    | goodput Mbit/s | rate error | added RTT p50 ms | added RTT p99 ms | forwarder CPU | all CPUs | steal | forwarder late p50 / p99 |"
echo "|--------|---------|-----------:|-----------:|---------:|---------:|---------:|------:|-----:|------|"
for rate in $RATES; do
    runs=""
    for p in $BENCH_PRIOS; do for i in $BENCH_ISOLATE; do for b in $BENCH_STANDBY; do
        runs="$runs $p/$i/$b"
    done; done; done
    for run in $runs tbf; do
        IFS=/ read -r prio iso sb <<<"$run"
        kind=tcplab label="tcplab $prio"
        [ "$iso" = on ] && label="$label isolated"
        [ "$sb" = off ] && label="$label 1 thread"
        # tbf: the kernel forwards on whichever CPU, so nothing is set aside for it.
        [ "$run" = tbf ] && kind=tbf prio=high iso=off sb=on label=tbf
        "$TCPLAB" testbed up "$NAME" --rate "$rate" --rtt 5ms --buffer 1bdp --aqm taildrop \
            --prio "$prio" --isolate "$iso" --standby "$sb" --cpu-latency "$BENCH_CPU_LATENCY" \
            --json >"$RAW/$NAME.up.json" || exit 1
        echo "tcplab testbed up $NAME --rate $rate --rtt 5ms --buffer 1bdp --aqm taildrop --prio $prio --isolate $iso --standby $sb --cpu-latency $BENCH_CPU_LATENCY" >>"$RAW/commands.txt"
        if [ "$kind" = tbf ]; then
            to_tbf "$rate"
            # The same PM QoS request for the kernel's shaper; the kernel drops it with fd 9.
            [ "$BENCH_CPU_LATENCY" != off ] && exec 9>/dev/cpu_dma_latency &&
                printf '%d' "${BENCH_CPU_LATENCY%us}" >&9
        fi
        measure "$kind" "$rate" "$label"
        exec 9>&-
        "$TCPLAB" testbed down "$NAME" >/dev/null
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
