#!/usr/bin/env bash
# The testbed's forwarder under many flows: 1, 10 and 100 flows through the same link,
# interleaved, one fresh testbed per row.
#
#   bench/testbed_flows.sh [TCPLAB]        (default: build/tcplab; needs root)
#
# For each round (ROUNDS, default 1), for each rate in RATES (default 1gbit), for each flow
# count in FLOWS (default "1 10 100"):
#   tcplab testbed up NAME --rate R --rtt $BENCH_RTT (default 20ms) --buffer 1bdp --aqm taildrop
#   tcplab testbed exec NAME rcv  -- tcplab serve --no-auth --port 0 --port-file F -q
#   tcplab testbed exec NAME snd1 -- tcplab stream RCV -p PORT -P N --cc MIX -t $BENCH_TIME
#          -O $BENCH_OMIT -i 0 --json
# MIX is "cubic" for one flow and cubic:N/2,bbr:N/2 otherwise (100 flows: cubic:50,bbr:50).
# Columns:
#   goodput     the receiver's bytes over the test (.end.sum.bits_per_second); rate error =
#               goodput / (R x 1448 / 1514) - 1, what full-MTU TCP with timestamps can get
#               when the shaper counts Ethernet frames
#   late        periods of 100 ms (the router's series in .end.testbed.series) in which the
#               forwarder sent packets 0.2 ms or more late at p99, of all periods, and the
#               worst period's p99
#   forwarder   its CPU time from `up` to the end of the test (status .forwarder.cpu_user_s
#               + cpu_system_s, all its threads), in % of one CPU over the test's seconds
#   drops       packets the bottleneck dropped (fwd direction), the kernel's drops on
#               the router's ports before the forwarder read them (rx_kernel_drops), and
#               the host's input-queue drops over the test (the series' backlog_drops,
#               last minus first; "-" from a build that does not report them): the last
#               two are losses outside the emulated link
#   steal       the hypervisor's steal over the test, % of all CPUs (the stream's
#               .end.machine_cpu.client.steal_percent); a row over 1% is marked "(steal)"
#   cpu wait    how long the forwarder's main thread waited for a CPU over the test (the
#               series' cpu_wait_ns), in % of the test: another task held its CPU
# Each thread's CPU time is kept in the raw TAG.threads files.
# Raw outputs go to bench/results/raw/testbed_flows/$RUN/ (RUN: default the time of day;
# not committed); the table is printed. RENDER=1 RUN=R re-renders the rows of run R.
set -uo pipefail

TCPLAB=${1:-build/tcplab}
TCPLAB=$(readlink -f "$TCPLAB")
RATES=${RATES:-1gbit}
FLOWS=${FLOWS:-"1 10 100"}
ROUNDS=${ROUNDS:-1}
BENCH_TIME=${BENCH_TIME:-60}
BENCH_OMIT=${BENCH_OMIT:-3}
BENCH_RTT=${BENCH_RTT:-20ms}
UP_ARGS=${UP_ARGS:-}
POST_UP=${POST_UP:-}
for n in $FLOWS $ROUNDS $BENCH_TIME; do
    case $n in
    '' | *[!0-9]* | 0) echo "bench/testbed_flows.sh: \"$n\" in FLOWS, ROUNDS or BENCH_TIME: write a count, e.g. 10" >&2; exit 2 ;;
    esac
done
RUN=${RUN:-$(date -u +%H%M%S)}
RAW=bench/results/raw/testbed_flows/$RUN
[ "$(id -u)" -eq 0 ] || { echo "bench/testbed_flows.sh: needs root (network namespaces)"; exit 1; }
[ -x "$TCPLAB" ] || { echo "bench/testbed_flows.sh: no $TCPLAB (make build)"; exit 1; }
mkdir -p "$RAW"
NAME=flows$$
. "$(dirname "$0")/testbed_lib.sh"

mix_of() {
    [ "$1" -eq 1 ] && { echo cubic; return; }
    echo "cubic:$(($1 / 2)),bbr:$(($1 - $1 / 2))"
}

# thread_cpu PID: each thread of the forwarder as "name cpu_seconds nice", from `up` on
# (kept in RAW/TAG.threads, not a column: which thread carried the work)
thread_cpu() {
    local t
    for t in /proc/"$1"/task/*; do
        awk -v n="$(cat "$t/comm")" '{ print n, ($14 + $15) / 100, $19 }' "$t/stat"
    done
}

# row RATE FLOWS ROUND: one testbed, one test, one table row
row() {
    local rate=$1 n=$2 round=$3 tag port rcv mix
    tag="$rate.$n.r$round"
    "$TCPLAB" testbed up "$NAME" --rate "$rate" --rtt "$BENCH_RTT" --buffer 1bdp --aqm taildrop \
        $UP_ARGS --json >"$RAW/$tag.up.json" || exit 1
    # POST_UP: a shell command run after each `up`, with NAME set (an experiment by hand,
    # e.g. RPS on a host: ip netns exec tl-$NAME-rcv sh -c 'echo 3 > /sys/class/net/eth0/queues/rx-0/rps_cpus')
    if [ -n "${POST_UP:-}" ]; then NAME=$NAME bash -c "$POST_UP" || exit 1; fi
    rcv=$(jq -r '.hosts[] | select(.name == "rcv") | .addr' "$RAW/$tag.up.json")
    start_receiver "$RAW/port.$$"
    local apid=$APID
    port=$PORT
    mix=$(mix_of "$n")
    "$TCPLAB" testbed exec "$NAME" snd1 -- "$TCPLAB" stream "$rcv" -p "$port" -P "$n" --cc "$mix" \
        -t "$BENCH_TIME" -O "$BENCH_OMIT" -i 0 --json >"$RAW/$tag.stream.json" 2>"$RAW/$tag.stream.err"
    "$TCPLAB" testbed status "$NAME" --json >"$RAW/$tag.status.json"
    thread_cpu "$(jq -r .forwarder_pid "$RAW/$tag.up.json")" >"$RAW/$tag.threads"
    kill "$apid" 2>/dev/null
    wait "$apid" 2>/dev/null
    "$TCPLAB" testbed down "$NAME" >/dev/null
    render "$tag" "$rate" "$n" "$round"
}

# render TAG RATE FLOWS ROUND: a table row from the raw files of one test (RENDER=1
# bench/testbed_flows.sh re-renders every row of RAW without running anything)
render() {
    local tag=$1 rate=$2 n=$3 round=$4
    jq -n -r --arg rate "$rate" --argjson n "$n" --arg round "$round" --argjson bps "$(rate_bps "$rate")" \
        --slurpfile s "$RAW/$tag.stream.json" --slurpfile t "$RAW/$tag.status.json" '
        $s[0].end as $e | $t[0] as $st |
        ($bps * 1448 / 1514) as $want | ($e.sum.bits_per_second // 0) as $got |
        [$e.testbed.series[1:][] | .late_p99_ns] as $late |
        ($e.machine_cpu.client.steal_percent // 0) as $steal |
        ($e.sum.seconds // 1) as $secs |
        "| \($round) | \($rate) | \($n) | \($got / 1e4 | round / 100) | \(10000 * ($got - $want) / $want | round / 100)% | " +
        "\($late | map(select(. >= 200000)) | length) of \($late | length) | \(($late | max // 0) / 1e4 | round / 100) ms | " +
        "\(100 * ($st.forwarder.cpu_user_s + $st.forwarder.cpu_system_s) / $secs | round)% | " +
        "\([$st.fwd.stats.drops[]] | add) / \([$st.ports[].rx_kernel_drops] | add) / " +
        "\(if $e.testbed.series[-1].backlog_drops then $e.testbed.series[-1].backlog_drops - $e.testbed.series[0].backlog_drops else "-" end) | " +
        "\(([$e.testbed.series[1:][] | .cpu_wait_ns // 0] | add) / 1e7 / $secs | round)% | " +
        "\($steal * 10 | round / 10)%\(if $steal > 1 then " (steal)" else "" end) |"'
}

echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# testbed up --rate R --rtt $BENCH_RTT --buffer 1bdp --aqm taildrop $UP_ARGS; stream -P N -t $BENCH_TIME -O $BENCH_OMIT"
echo "| round | rate | flows | goodput Mbit/s | rate error | periods late >= 0.2 ms | worst p99 | forwarder CPU | drops / port / host queue | cpu wait | steal |"
echo "|---:|------|------|-----:|-----:|-----:|-----:|----:|-----|----:|----:|"
if [ "${RENDER:-0}" = 1 ]; then
    for f in $(ls "$RAW"/*.stream.json | sort -t. -k2,2 -k1,1); do
        tag=$(basename "$f" .stream.json)
        round=${tag##*.r}
        n=${tag%.r*}
        n=${n##*.}
        render "$tag" "${tag%%."$n".r*}" "$n" "$round"
    done
    exit 0
fi

for round in $(seq 1 "$ROUNDS"); do
    for rate in $RATES; do
        for n in $FLOWS; do
            row "$rate" "$n" "$round"
        done
    done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
