#!/usr/bin/env bash
# The testbed forwarder's CPU per packet under each AQM, at 1 Gbit/s.
#
#   bench/aqm.sh [TCPLAB]        (default: build/tcplab; needs root)
#
# For each round (BENCH_ROUNDS, default 2) and each AQM in AQMS (default: taildrop, codel,
# gsp, gsp:adaptive, gsp:delay, ppv, ppv:core=pie, dualpi2; interleaved, so that a change
# in the machine's load hits every AQM alike):
#   `tcplab testbed up --rate 1gbit --rtt 5ms --buffer 1bdp --aqm AQM`, a tcplab agent in rcv,
#   and BENCH_FLOWS (default 4) Cubic flows from snd1 for BENCH_TIME (default 8) seconds.
# Measured from `testbed status --json` before and after the flows:
#   pkts     packets the forwarder moved (fwd + rev pkts_out: data and ACKs)
#   cpu/pkt  the forwarder's user + system CPU (both threads) / pkts, in ns: this includes
#            its busy-polling before departures (--spin 100us), which is the same for all
#   drops    AQM and queue-full drops on the way in (the AQM at work)
#   steal    the machine's steal over the flows (forwarder's own reading), and the load
#            average at the start of the row
# The table is printed; the raw status documents go to bench/results/raw/aqm/.
set -uo pipefail

TCPLAB=$(readlink -f "${1:-build/tcplab}")
AQMS=${AQMS:-"taildrop codel gsp gsp:adaptive gsp:delay ppv ppv:core=pie dualpi2"}
BENCH_ROUNDS=${BENCH_ROUNDS:-2}
BENCH_FLOWS=${BENCH_FLOWS:-4}
BENCH_TIME=${BENCH_TIME:-8}
RAW=$(dirname "$0")/results/raw/aqm
mkdir -p "$RAW"
NAME=bq$$
AGENT=
cleanup() {
    [ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
    "$TCPLAB" testbed down "$NAME" >/dev/null 2>&1
}
trap cleanup EXIT

echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-14s %5s %10s %9s %8s %8s %7s %6s\n" AQM ROUND PKTS "CPU/PKT" "GOODPUT" DROPS STEAL LOAD
for round in $(seq 1 "$BENCH_ROUNDS"); do
    for aqm in $AQMS; do
        "$TCPLAB" testbed up "$NAME" --rate 1gbit --rtt 5ms --buffer 1bdp --aqm "$aqm" --json >"$RAW/up.json" || exit 1
        rcv=$(jq -r '.hosts[] | select(.name == "rcv") | .addr' "$RAW/up.json")
        pf=$(mktemp)
        "$TCPLAB" testbed exec "$NAME" rcv -- "$TCPLAB" serve --no-auth --port 0 --port-file "$pf" -q >/dev/null 2>&1 &
        AGENT=$!
        for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
        port=$(cat "$pf"); rm -f "$pf"
        load=$(cut -d' ' -f1 /proc/loadavg)
        tag=$(echo "$aqm" | tr ':=,' '___')
        "$TCPLAB" testbed status "$NAME" --json >"$RAW/$tag.$round.before.json"
        "$TCPLAB" testbed exec "$NAME" snd1 -- "$TCPLAB" stream "$rcv" -p "$port" -P "$BENCH_FLOWS" -t "$BENCH_TIME" -i 0 --cc cubic --json >"$RAW/$tag.$round.stream.json"
        "$TCPLAB" testbed status "$NAME" --json >"$RAW/$tag.$round.after.json"
        jq -n -r --arg aqm "$aqm" --arg round "$round" --arg load "$load" \
            --slurpfile a "$RAW/$tag.$round.before.json" --slurpfile b "$RAW/$tag.$round.after.json" \
            --slurpfile s "$RAW/$tag.$round.stream.json" '
            ($b[0].fwd.stats.pkts_out + $b[0].rev.stats.pkts_out - $a[0].fwd.stats.pkts_out - $a[0].rev.stats.pkts_out) as $p |
            (($b[0].forwarder.cpu_user_s + $b[0].forwarder.cpu_system_s) - ($a[0].forwarder.cpu_user_s + $a[0].forwarder.cpu_system_s)) as $c |
            ($b[0].fwd.stats.drops.aqm + $b[0].fwd.stats.drops.queue_full - $a[0].fwd.stats.drops.aqm - $a[0].fwd.stats.drops.queue_full) as $d |
            "\($aqm) \($round) \($p) \(if $p > 0 then ($c * 1e9 / $p | floor) else 0 end) \(($s[0].end.sum.bits_per_second // 0) / 1e6 | floor) \($d) \($b[0].forwarder.steal_percent // 0 | . * 10 | floor / 10) \($load)"' |
            awk '{ printf "%-14s %5s %10s %7s ns %5s Mb %8s %6s%% %6s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
        kill "$AGENT" 2>/dev/null; wait "$AGENT" 2>/dev/null; AGENT=
        "$TCPLAB" testbed down "$NAME" >/dev/null
    done
done
