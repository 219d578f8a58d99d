#!/usr/bin/env bash
# make run: a short tour of tcplab on this machine alone. It starts a private agent on
# loopback, runs each capability for a few seconds, prints what it found, and stops the
# agent (by its PID) whatever happens.
set -uo pipefail
TCPLAB=${1:-build/tcplab}
TOUR_TIME=${TOUR_TIME:-3}
tmp=$(mktemp -d /tmp/tcplab-tour.XXXXXX)
agent_pid=
tb_agent_pid=
testbed=
cleanup() {
    [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
    [ -n "$tb_agent_pid" ] && kill "$tb_agent_pid" 2>/dev/null && wait "$tb_agent_pid" 2>/dev/null
    [ -n "$testbed" ] && "$TCPLAB" testbed down "$testbed" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

section() { printf '\n\033[1m== %s ==\033[0m\n%s\n\n' "$1" "$2"; }

"$TCPLAB" serve --bind 127.0.0.1 --port 0 --port-file "$tmp/port" >"$tmp/agent.out" 2>"$tmp/agent.log" &
agent_pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
if [ ! -s "$tmp/port" ]; then
    echo "tcplab tour: the agent did not start:"; cat "$tmp/agent.log"; exit 1
fi
port=$(cat "$tmp/port")
echo "tcplab tour: a private agent listens on 127.0.0.1:$port (pid $agent_pid)"

section "stream: one flow, ${TOUR_TIME} s" \
    "Bulk throughput; the receiver's count is the throughput, the sender's stands beside it."
"$TCPLAB" stream 127.0.0.1 -p "$port" -t "$TOUR_TIME"

avail=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null)
mix="cubic:4,bbr:4"
echo "$avail" | grep -qw bbr || mix="reno:4,cubic:4"
section "stream: 8 flows, congestion-control mix $mix" \
    "Each flow's algorithm is read back from its socket; Jain's index says how fairly they shared."
"$TCPLAB" stream 127.0.0.1 -p "$port" -P 8 --cc "$mix" -t "$TOUR_TIME" -i 0 --per-flow

section "stream: 1000 flows, all connected first, then started at one instant" \
    "Per-flow spread (min / median / max) and fairness over many flows."
"$TCPLAB" stream 127.0.0.1 -p "$port" -P 1000 -t "$TOUR_TIME" -i 0

section "stream --verify: 100 MB arrive whole (a partial recv() is not lost data)" \
    "Every byte is checked against a pattern at the receiver, and the counts must match exactly."
"$TCPLAB" stream 127.0.0.1 -p "$port" -n 100M -P 4 --verify -i 0 | tail -n 4

section "stream --reverse and a stalled receiver" \
    "Flow 1's receiver stops reading after 1 s: it is shown stalled, and the test still ends on time."
"$TCPLAB" stream 127.0.0.1 -p "$port" -P 2 -t "$TOUR_TIME" -R --stall-timeout 1s \
    --fault-stop-reading 1@1s -i 0 | tail -n 8

section "rr: request/response latency, 4 flows, closed loop" \
    "Each flow sends a 1-byte request and waits for the answer; latency percentiles from a log-linear histogram."
"$TCPLAB" rr 127.0.0.1 -p "$port" -P 4 -t "$TOUR_TIME"

section "rr --rate: open loop at 2000 transactions/s" \
    "Requests leave on schedule; latency counts from the scheduled time, so stalls are not hidden."
"$TCPLAB" rr 127.0.0.1 -p "$port" -P 2 --rate 2000 -t "$TOUR_TIME" -i 0

section "crr: a new connection per transaction: one job per connection exhausts the ports" \
    "Watch TIME_WAIT pile up on the side that closes first, and the free ephemeral ports fall."
"$TCPLAB" crr 127.0.0.1 -p "$port" -P 2 -t "$TOUR_TIME"

section "crr --requests-per-conn 100: the cure is to batch" \
    "The same work, 100 transactions per connection: far fewer connections, no port pressure."
"$TCPLAB" crr 127.0.0.1 -p "$port" -P 2 -t "$TOUR_TIME" --requests-per-conn 100 -i 0

section "mesh: 8 processes pass one token, ring vs random, four transports, and the idle CPU" \
    "With Nagle on (tcp), random peers park the token on 40 ms delayed ACKs; ring, NODELAY, QUICKACK and unix do not."
"$TCPLAB" mesh -n 8 --pattern ring --compare --time 300ms
"$TCPLAB" mesh -n 8 --pattern random --compare --time 300ms

section "farm: one job per connection vs batches of 10,000, the port ceiling" \
    "The same 50,000 prime-counting jobs; the server checks the total (348,513)."
"$TCPLAB" farm --compare

section "farm --isolate: where TIME_WAIT ports are not reused (3,000 ports)" \
    "A private network namespace; one connection per job runs out of ports, batching does not."
"$TCPLAB" farm --compare --isolate --port-range 40000-42999 --max-time 5s

if [ "$(id -u)" -eq 0 ]; then
    testbed=tour$$
    section "testbed: a 64 KB window on a long path, 100 Mbit/s and 100 ms RTT" \
        "A userspace bottleneck router between namespaces; a 64 KB receive window against the kernel's autotuning."
    if "$TCPLAB" testbed up "$testbed" --rate 100mbit --rtt 100ms --buffer 1bdp --json >"$tmp/tb.json"; then
        rcv=$(jq -r '.hosts[] | select(.name == "rcv") | .addr' "$tmp/tb.json")
        "$TCPLAB" testbed exec "$testbed" rcv -- "$TCPLAB" serve --no-auth --port 0 --port-file "$tmp/tbport" -q \
            >/dev/null 2>&1 &
        tb_agent_pid=$!
        for _ in $(seq 1 100); do [ -s "$tmp/tbport" ] && break; sleep 0.05; done
        tbport=$(cat "$tmp/tbport")
        "$TCPLAB" testbed exec "$testbed" snd1 -- sysctl -qw net.ipv4.tcp_no_metrics_save=1
        run() { "$TCPLAB" testbed exec "$testbed" snd1 -- "$TCPLAB" stream "$rcv" -p "$tbport" -i 0 --json "$@" |
            jq -r '[.end.sum.bits_per_second, .end.streams[0].sender.tcp_info.snd_wnd] | @tsv'; }
        read -r w64 wnd < <(run --rcvbuf 64K -t 5)
        read -r auto awnd < <(run -O 2 -t 5)
        printf '%-46s %12s %14s\n' "receive buffer" "window" "throughput"
        awk -v a="$w64" -v aw="$wnd" -v b="$auto" -v bw="$awnd" 'BEGIN {
            printf "%-46s %9.0f KB %9.1f Mbit/s\n", "SO_RCVBUF 64K (the kernel doubles it)", aw / 1024, a / 1e6
            printf "%-46s %9.0f KB %9.1f Mbit/s\n", "kernel autotuning", bw / 1024, b / 1e6
            printf "%-46s %12s %9.1f Mbit/s\n", "the link allows (100 Mbit/s x 1448/1514)", "", 100 * 1448 / 1514 }'
        echo "A window of W bytes moves at most W per round trip: 64 KB / 100 ms = 5.2 Mbit/s;"
        echo "filling this path needs a window of one BDP, 100 Mbit/s x 100 ms = 1.19 MiB."
        "$TCPLAB" testbed status "$testbed" | head -n 12
    fi
    kill "$tb_agent_pid" 2>/dev/null && wait "$tb_agent_pid" 2>/dev/null
    tb_agent_pid=
    "$TCPLAB" testbed down "$testbed" && testbed=
fi

if [ "$(id -u)" -eq 0 ] && "$TCPLAB" help exp >/dev/null 2>&1; then
    # The report outlives the tour: it is written beside the binary.
    report_dir=$(cd "$(dirname "$TCPLAB")" && pwd)/tour
    mkdir -p "$report_dir"
    rm -f "$report_dir/fairness.db"
    plan=$(cd "$(dirname "$0")/../examples" && pwd)/cubic-bbr-fairness-quick.yaml
    cc=()
    grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control || modprobe tcp_bbr 2>/dev/null
    grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control || cc=(--cc cubic:1,reno:1)
    section "exp: a campaign, Cubic vs BBR through 2 AQMs x 2 buffers, into SQLite" \
        "Each point is a testbed setting; the flows and a latency probe run on it, and every run goes into one database."
    "$TCPLAB" exp run --plan "$plan" "${cc[@]}" -o "$report_dir/fairness.db"
    printf '%-9s %-7s %12s %6s %13s %14s %12s\n' aqm buffer goodput Jain "cubic share" "queue p99" "latency p50"
    "$TCPLAB" exp export "$report_dir/fairness.db" --json |
        jq -r '.points[] | [.aqm, .buffer, .metrics.goodput_bps.mean / 1e6, .metrics.jain.mean,
                .metrics.cc_share.mean, .metrics.qdelay_p99_ms.mean, .metrics.latency_p50_ms.mean // 0] | @tsv' |
        while IFS=$'\t' read -r a b g j sh q l; do
            printf '%-9s %-7s %7.1f Mb/s %6.3f %13.3f %11.1f ms %9.1f ms\n' "$a" "$b" "$g" "$j" "$sh" "$q" "$l"
        done
    section "report: the campaign as one offline HTML page" \
        "Inline SVG plots (share against the buffer, Jain heatmap, utilisation, queue delay, CDFs), no script, no server."
    "$TCPLAB" report "$report_dir/fairness.db" -o "$report_dir/fairness.html" &&
        echo "Open it in a browser: file://$report_dir/fairness.html"
fi

if "$TCPLAB" help doctor >/dev/null 2>&1; then
    section "doctor: this host's TCP settings for a 1 Gbit/s, 100 ms path" \
        "Reads sysctls, socket states and counters; explains each finding with its fix and cost."
    "$TCPLAB" doctor --rate 1gbit --rtt 100ms
fi

echo
echo "tcplab tour: done. 'tcplab --help' lists the commands; 'make test' runs the tests."
