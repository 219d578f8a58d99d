#!/usr/bin/env bash
# The seed's own programs (LKML 2005, "Issues with INET sockets through loopback") beside
# tcplab mesh, with the same N processes, M tokens and pattern.
#
#   bench/mesh.sh [TCPLAB]        (default: build/tcplab; writes bench/results/mesh.md)
#
# env: BENCH_N=16  BENCH_M=1  BENCH_TIME=5 (seconds measured per run)  REPEAT=3
#
# The seed programs random-inet.c and ring-inet.c are NOT part of this repository: they are
# cut out of ../shared/seeds/004_*.txt (relative to the repository) at run time into a
# temporary folder and compiled there, with only the changes needed to compile (each one is
# listed, and applied with sed, in build_seed below). They fork N processes, connect them
# over 127.0.0.1 ports 11100+rank with TCP_NODELAY, inject M one-byte tokens and forward
# them forever; they print nothing. So they are measured from outside:
#   hops/s      every hop is one byte delivered, so the hop count is the growth of
#               tcpi_bytes_received summed over all their sockets (ss -ti), between two
#               samples BENCH_TIME apart, taken once all N(N-1)/2 connections are up, each
#               while the processes are briefly stopped (SIGSTOP/SIGCONT) so that every
#               figure describes the same instant (checked: bytes received == write() calls
#               == TCPOrigDataSent at such an instant);
#   CPU         utime + stime of all their processes (/proc/PID/stat), as % of one core;
#               the machine's busy share from /proc/stat over the same interval;
#   ctx sw      voluntary / involuntary context switches of their processes (/proc/PID/status);
#   counters    TcpExt DelayedACKs and TCPOrigDataSent of their network namespace.
# Each program, and each tcplab mesh run, gets a network namespace of its own (so the fixed
# ports never collide and the kernel counters count only that run); the namespaces are
# removed and every process is ended by PID when the run ends (a trap does it on exit too).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
TCPLAB=${1:-$repo/build/tcplab}
N=${BENCH_N:-16}
M=${BENCH_M:-1}
T=${BENCH_TIME:-5}
REPEAT=${REPEAT:-3}
out_md=$repo/bench/results/mesh.md

[ -x "$TCPLAB" ] || { echo "bench/mesh.sh: no tcplab at $TCPLAB (run 'make build' first)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench/mesh.sh: needs root (it makes network namespaces)" >&2; exit 2; }
seed=$(ls "$repo"/../shared/seeds/004_*.txt 2>/dev/null | head -1)
[ -n "$seed" ] || { echo "bench/mesh.sh: seed 004 not found in $repo/../shared/seeds" >&2; exit 2; }
for tool in jq ss ip gcc awk; do
    command -v $tool >/dev/null || { echo "bench/mesh.sh: needs $tool" >&2; exit 2; }
done

work=$(mktemp -d /tmp/tl-bench-mesh.XXXXXX)
NETNS=()
cleanup() {
    local ns p
    for ns in "${NETNS[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM    # so that the EXIT trap runs on Ctrl-C or kill too

# --- the seed's programs ------------------------------------------------------------------
# Cut: random-inet.c runs from the "/*" above "* usage: random-inet" to the line before the
# "/*" above "* usage: ring-inet"; ring-inet.c from there to the end of the seed.
build_seed() {
    local a b
    a=$(grep -n '^\* usage: random-inet' "$seed" | head -1 | cut -d: -f1)
    b=$(grep -n '^\* usage: ring-inet' "$seed" | head -1 | cut -d: -f1)
    [ -n "$a" ] && [ -n "$b" ] || { echo "bench/mesh.sh: programs not found in $seed" >&2; exit 2; }
    sed -n "$((a - 1)),$((b - 2))p" "$seed" >"$work/random-inet.c"
    sed -n "$((b - 1)),\$p" "$seed" >"$work/ring-inet.c"
    local f
    for f in random-inet ring-inet; do
        # Change 1: declare the libc functions it calls (atoi, random, srandom: stdlib.h;
        # memset: string.h; read, write, fork, sleep: unistd.h). C99 removed implicit
        # declarations, and GCC 14 refuses them; nothing else in the code changes.
        sed -i 's|^#include <stdio.h>$|#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>|' "$work/$f.c"
        # Change 2, only where needed: <asm/msr.h> (x86 rdtsc macros, never used) is not on
        # every system; drop the include when this one lacks it.
        if ! echo '#include <asm/msr.h>' | gcc -E -x c - >/dev/null 2>&1; then
            sed -i 's|^#include <asm/msr.h>$||' "$work/$f.c"
        fi
        gcc -O2 -w -o "$work/$f" "$work/$f.c" || { echo "bench/mesh.sh: $f.c did not compile" >&2; exit 2; }
    done
}

new_ns() { # $1 = name; a namespace with loopback up
    ip netns add "$1" || { echo "bench/mesh.sh: ip netns add $1 failed" >&2; exit 2; }
    NETNS+=("$1")
    ip -n "$1" link set lo up
}
del_ns() {
    local p
    for p in $(ip netns pids "$1" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    for p in $(ip netns pids "$1" 2>/dev/null); do
        for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.02; done
    done
    ip netns del "$1" 2>/dev/null
}

# One sample of the seed program's processes in namespace $1 (PIDs $2), taken while they are
# stopped (SIGSTOP), so that the byte counts, the CPU times and the kernel counters all
# describe the same instant: sampled while running, they drift apart by the hops made during
# the sampling itself (seen here: 10% apart on a loaded machine). Prints
#   bytes_received_sum cpu_ticks vol invol delayed_acks orig_data_sent
counters_ns() {
    local ns=$1 pids=$2 bytes ticks=0 vol=0 invol=0 p st
    bytes=$(ip netns exec "$ns" ss -tinH state established 2>/dev/null |
        grep -o 'bytes_received:[0-9]*' | awk -F: '{s += $2} END {print s + 0}')
    for p in $pids; do
        st=$(cat /proc/$p/stat 2>/dev/null) || continue
        # utime and stime are fields 14 and 15, counted after the ")" that ends the name.
        ticks=$(( ticks + $(echo "${st##*) }" | awk '{print $12 + $13}') ))
        vol=$(( vol + $(awk '/^voluntary_ctxt_switches/ {print $2}' /proc/$p/status 2>/dev/null || echo 0) ))
        invol=$(( invol + $(awk '/^nonvoluntary_ctxt_switches/ {print $2}' /proc/$p/status 2>/dev/null || echo 0) ))
    done
    local ext
    ext=$(ip netns exec "$ns" awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) n[$i] = i; h = 1 } else print $n["DelayedACKs"], $n["TCPOrigDataSent"] }' /proc/net/netstat)
    echo "$bytes $ticks $vol $invol $ext"
}
machine_cpu() { # busy idle ticks of the whole machine now
    awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat
}
now_ns() { date +%s%N; }

# run_seed PROGRAM OUT: appends to OUT
#   "hops_per_s cpu_pct_core machine_busy vol_per_hop invol_per_hop delacks_per_s segs_per_hop - - true"
# (not called in a subshell: the namespace it makes must be known to the EXIT trap)
run_seed() {
    local prog=$1 res=$2 ns=tl-bench-mesh-$$-seed want=$((N * (N - 1))) up=0
    new_ns "$ns"
    (cd "$work" && exec ip netns exec "$ns" "./$prog" "$N" "$M") >/dev/null 2>"$work/$prog.err" &
    disown $! 2>/dev/null   # ended by PID through del_ns; no "Killed" notice from the shell
    # Every connection up (both ends are in this namespace): N(N-1) established sockets.
    # The program itself sleeps 2 s before connecting; give it up to 30 s.
    for _ in $(seq 1 300); do
        up=$(ip netns exec "$ns" ss -tnH state established 2>/dev/null | wc -l)
        [ "$up" -ge "$want" ] && break
        sleep 0.1
    done
    if [ "$up" -lt "$want" ]; then
        echo "bench/mesh.sh: $prog: only $up of $want sockets connected" >&2
        cat "$work/$prog.err" >&2; del_ns "$ns"; echo "0 0 0 0 0 0 0 - - false" >>"$res"; return
    fi
    sleep 0.5
    local pids a b m0 m1 t0 t1
    pids=$(ip netns pids "$ns" | tr '\n' ' ')
    kill -STOP $pids; sleep 0.1             # in-flight bytes land in receive queues
    a=$(counters_ns "$ns" "$pids")
    m0=$(machine_cpu); t0=$(now_ns); kill -CONT $pids
    sleep "$T"
    kill -STOP $pids; t1=$(now_ns); m1=$(machine_cpu); sleep 0.1
    b=$(counters_ns "$ns" "$pids")
    del_ns "$ns"
    local hz
    hz=$(getconf CLK_TCK)
    echo "$a $m0 $b $m1" | awk -v W="$(( t1 - t0 ))" -v hz="$hz" '{
        secs = W / 1e9
        hops = $9 - $1; ticks = $10 - $2; vol = $11 - $3; invol = $12 - $4
        dack = $13 - $5; segs = $14 - $6; busy = $15 - $7; idle = $16 - $8
        h = hops > 0 ? hops : 1
        printf "%.1f %.1f %.1f %.3f %.3f %.1f %.3f - - true\n", hops / secs, ticks * 100 / hz / secs,
            ((busy + idle) > 0 ? busy * 100 / (busy + idle) : 0), vol / h, invol / h, dack / secs, segs / h }' >>"$res"
}

# run_tcplab PATTERN TRANSPORT OUT: appends the same figures from tcplab mesh's JSON (and
# p50, p99, conserved).
run_tcplab() {
    local pattern=$1 transport=$2 res=$3 ns=tl-bench-mesh-$$-tl j
    new_ns "$ns"
    j=$work/tl-$pattern-$transport.json
    timeout -k 5 $((T + 60)) ip netns exec "$ns" "$TCPLAB" mesh -n "$N" -m "$M" --pattern "$pattern" \
        --transport "$transport" --time "${T}s" --json >"$j" 2>"$j.err"
    del_ns "$ns"
    jq -r '.runs[0] | [.hops_per_s, .cpu.mesh.pct_of_core, .cpu.machine.busy_pct,
        .cpu.mesh.vol_ctx_per_hop, .cpu.mesh.invol_ctx_per_hop,
        ((.tcp_counters.DelayedACKs // 0) / .window_s),
        (if .tcp_counters then .tcp_counters.TCPOrigDataSent / ([.hops, 1] | max) else 0 end),
        .latency_ns.p50, .latency_ns.p99, .tokens_check.conserved] |
        map(if type == "number" then (. * 1000 | round / 1000) else . end) | @tsv' "$j" 2>/dev/null |
        tr '\t' ' ' >>"$res" || echo "0 0 0 0 0 0 0 0 0 false" >>"$res"
}

# The median of the repeats, field by field (every field is a number except the last one).
median_rows() {
    awk '{ for (i = 1; i <= NF; i++) v[i, NR] = $i; nf = NF } END {
        for (i = 1; i <= nf; i++) {
            n = 0; for (r = 1; r <= NR; r++) a[++n] = v[i, r]
            for (x = 1; x <= n; x++) for (y = x + 1; y <= n; y++) if (a[y] + 0 < a[x] + 0) { t = a[x]; a[x] = a[y]; a[y] = t }
            printf "%s%s", (a[int((n + 1) / 2)]), (i < nf ? " " : "\n")
        } }'
}

build_seed
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
date_utc=$(date -u '+%Y-%m-%d %H:%M UTC')
declare -A R
for pattern in ring random; do
    prog=$([ "$pattern" = ring ] && echo ring-inet || echo random-inet)
    for i in $(seq 1 "$REPEAT"); do
        # Interleaved, so that background load hits every variant alike.
        echo "[$pattern $i/$REPEAT] seed $prog" >&2
        run_seed "$prog" "$work/seed-$pattern"
        for t in tcp-nodelay tcp tcp-quickack unix; do
            echo "[$pattern $i/$REPEAT] tcplab mesh --transport $t" >&2
            run_tcplab "$pattern" "$t" "$work/tl-$pattern-$t"
        done
    done
    R[seed-$pattern]=$(median_rows <"$work/seed-$pattern")
    for t in tcp-nodelay tcp tcp-quickack unix; do
        R[tl-$pattern-$t]=$(median_rows <"$work/tl-$pattern-$t")
    done
done
# The other patterns, and the seed's smallest case (3 processes), with Nagle on and off:
# tcplab only (the seed has no such programs), one run each.
for spec in "pairs $N" "all-to-all $N" "random 3"; do
    set -- $spec
    for t in tcp tcp-nodelay; do
        echo "[extra] tcplab mesh -n $2 --pattern $1 --transport $t" >&2
        nsave=$N; N=$2
        run_tcplab "$1" "$t" "$work/extra-$1-$2-$t"
        N=$nsave
        R[extra-$1-$2-$t]=$(cat "$work/extra-$1-$2-$t")
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cc=$(cat /proc/sys/net/ipv4/tcp_congestion_control)

f() { # KEY FIELD: one field of a result row
    echo "${R[$1]}" | awk -v i="$2" '{print $i}'
}
fmt_row() { # LABEL KEY
    local k=$2
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" \
        "$(f $k 1 | awk '{printf "%.0f", $1}')" "$(f $k 2 | awk '{printf "%.0f%%", $1}')" \
        "$(f $k 3 | awk '{printf "%.0f%%", $1}')" "$(f $k 4 | awk '{printf "%.2f", $1}')" \
        "$(f $k 5 | awk '{printf "%.2f", $1}')" "$(f $k 6 | awk '{printf "%.1f", $1}')" \
        "$(f $k 7 | awk '{printf "%.2f", $1}')" \
        "$(f $k 8 | awk '{ if ($1 == "-") print "-"; else printf "%.0f us", $1 / 1000 }')" \
        "$(f $k 9 | awk '{ if ($1 == "-") print "-"; else printf "%.1f ms", $1 / 1e6 }')"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2g", a / b; else print "n/a" }'; }

{
    echo "# tcplab mesh beside the seed's random-inet.c and ring-inet.c"
    echo
    echo "Generated by \`bench/mesh.sh\` on $date_utc: kernel $(uname -r), $(nproc) CPUs,"
    echo "default congestion control $cc. Load average before: $load_before; after: $load_after"
    echo "(the machine is shared: other work running at the same time shows in \"machine busy\";"
    echo "the per-process figures are the programs' own). N=$N processes, M=$M token(s), pattern"
    echo "as named; each figure is the median of $REPEAT interleaved runs of ${T} s."
    echo
    echo "## Commands"
    echo
    echo '```'
    echo "# the seed's programs, cut out of shared/seeds/$(basename "$seed"), compiled with"
    echo "# <stdlib.h> <string.h> <unistd.h> added (see build_seed in bench/mesh.sh), each run in a"
    echo "# network namespace of its own and measured from outside (ss -ti, /proc):"
    echo "ip netns exec NS ./ring-inet $N $M"
    echo "ip netns exec NS ./random-inet $N $M"
    echo "# tcplab, same N, M and pattern, one namespace per run:"
    for t in tcp-nodelay tcp tcp-quickack unix; do
        echo "ip netns exec NS tcplab mesh -n $N -m $M --pattern ring|random --transport $t --time ${T}s --json"
    done
    echo "# and once each: -n $N --pattern pairs|all-to-all, -n 3 --pattern random; --transport tcp|tcp-nodelay"
    echo '```'
    echo
    echo "## Figures"
    echo
    echo "CPU is the mesh processes' user + system time as % of one core ($(nproc) cores = $(( $(nproc) * 100 ))%)."
    echo "Segments/hop is TcpExt TCPOrigDataSent per hop. Latency per hop is measured by tcplab only"
    echo "(the seed's tokens carry no timestamp). The seed sends 1-byte tokens, tcplab 40-byte ones"
    echo "(its header: id, hop count, send time...); both are one small segment per hop."
    echo
    echo "| program | hops/s | CPU (1 core) | machine busy | vol ctx/hop | invol ctx/hop | DelayedACKs/s | segments/hop | p50 | p99 |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for pattern in ring random; do
        fmt_row "seed ${pattern}-inet (TCP_NODELAY)" "seed-$pattern"
        for t in tcp-nodelay tcp tcp-quickack unix; do
            fmt_row "tcplab mesh $pattern, $t" "tl-$pattern-$t"
        done
    done
    echo
    echo "Other patterns, and the seed's smallest case, tcplab only (one run each, M=$M):"
    echo
    echo "| program | hops/s | CPU (1 core) | machine busy | vol ctx/hop | invol ctx/hop | DelayedACKs/s | segments/hop | p50 | p99 |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for spec in "pairs $N" "all-to-all $N" "random 3"; do
        set -- $spec
        for t in tcp tcp-nodelay; do
            fmt_row "tcplab mesh -n $2 $1, $t" "extra-$1-$2-$t"
        done
    done
    echo
    echo "## What the numbers show on this kernel"
    echo
    sr=$(f seed-ring 1); sx=$(f seed-random 1)
    nr=$(f tl-ring-tcp-nodelay 1); nx=$(f tl-random-tcp-nodelay 1)
    tr_=$(f tl-ring-tcp 1); tx=$(f tl-random-tcp 1)
    qx=$(f tl-random-tcp-quickack 1); ux=$(f tl-random-unix 1)
    r_seed=$(ratio "$sx" "$sr"); r_nagle=$(ratio "$tx" "$tr_")
    n0() { printf '%.0f' "$1"; }
    ms() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1e6 }'; }
    echo "**The seed's programs, with TCP_NODELAY as they set it.** ring-inet made $(n0 "$sr") hops/s"
    echo "using $(f seed-ring 2 | awk '{printf "%.0f", $1}')% of one core, random-inet $(n0 "$sx") hops/s using $(f seed-random 2 | awk '{printf "%.0f", $1}')% (random/ring = $r_seed)."
    if awk -v r="$r_seed" 'BEGIN { exit !(r >= 0.5) }'; then
        echo "On this kernel the 2005 symptom does not appear with TCP_NODELAY: random forwarding keeps"
        echo "pace with the ring. tcplab mesh on the same kind of sockets agrees (ring $(n0 "$nr"), random"
        echo "$(n0 "$nx") hops/s, p99 per hop $(ms "$(f tl-ring-tcp-nodelay 9)") and $(ms "$(f tl-random-tcp-nodelay 9)") ms). Today's initial congestion window of 10"
        echo "segments (2 to 4 in 2005) is the likely reason (inference): Linux counts cwnd in packets,"
        echo "so a handful of unacknowledged one-byte segments, each waiting for a delayed ACK, could"
        echo "fill a 2005 window and park the next token; ten rarely fill."
    else
        echo "Random forwarding is starved even with TCP_NODELAY on this kernel: the 2005 symptom."
    fi
    echo
    echo "**Nagle on (\`--transport tcp\`): the symptom, reproduced.** ring $(n0 "$tr_") hops/s, random $(n0 "$tx")"
    echo "(random/ring = $r_nagle); delayed-ACK timer expiries $(n0 "$(f tl-ring-tcp 6)") vs $(n0 "$(f tl-random-tcp 6)") per second; p99 per hop"
    echo "$(ms "$(f tl-ring-tcp 9)") vs $(ms "$(f tl-random-tcp 9)") ms; the ranks used $(f tl-ring-tcp 2 | awk '{printf "%.0f", $1}')% vs $(f tl-random-tcp 2 | awk '{printf "%.0f", $1}')% of one core. Nagle holds a small"
    echo "segment while an earlier one on the same connection is unacknowledged, so a token sent to a"
    echo "peer whose last segment from us is not yet ACKed waits for that ACK; when the ACK is delayed"
    echo "(40 ms minimum, TCP_DELACK_MIN) the token is parked and every CPU idles, which is the p99"
    echo "above: the run is a chain of such 40 ms waits. Why random and not ring (inference,"
    echo "consistent with the counters): Linux delays its ACKs on a connection it has seen used in"
    echo "both directions in quick succession (its \"pingpong\" heuristic, expecting to piggyback the"
    echo "ACK on a reply). With random peers B often sends to A soon after A sent to B, so that"
    echo "connection delays its ACKs; the next token A sends to B finds its previous segment still"
    echo "unacknowledged, Nagle holds it, and it waits for B's delayed-ACK timer (the DelayedACKs"
    echo "column). In a ring data flows one way on each connection, the receiver ACKs at once, and"
    echo "no token waits. The second table fits the"
    echo "same picture: pairs (a strict ping-pong, where every reply carries the ACK) $(n0 "$(f extra-pairs-$N-tcp 1)") hops/s;"
    echo "all-to-all (connections used both ways, irregularly) $(n0 "$(f extra-all-to-all-$N-tcp 1)"); and 3 processes with random"
    echo "peers, the seed's smallest failing case, $(n0 "$(f extra-random-3-tcp 1)") hops/s with Nagle against"
    echo "$(n0 "$(f extra-random-3-tcp-nodelay 1)") with TCP_NODELAY."
    echo
    echo "**tcp-quickack** (TCP_NODELAY, TCP_QUICKACK re-armed after every receive) made $(n0 "$qx") hops/s on"
    echo "random, with $(n0 "$(f tl-random-tcp-quickack 6)") delayed-ACK expiries per second: the option asks for immediate ACKs"
    echo "and the kernel drops it again after a receive, so it must be set each time."
    echo
    echo "**unix** sockets made $(n0 "$ux") hops/s on random (ring $(n0 "$(f tl-ring-unix 1)")), with the lowest latency per hop"
    echo "(p50 $(f tl-random-unix 8 | awk '{printf "%.0f", $1 / 1000}') us vs $(f tl-random-tcp-nodelay 8 | awk '{printf "%.0f", $1 / 1000}') us for tcp-nodelay): no ACKs, no timers, no segments. For processes on one"
    echo "host they are the transport to use, as the seed's author found with socketpair()."
    echo
    echo "**CPU and idle time.** With one token only one process is runnable at any moment, so the"
    echo "ranks together can use at most one core, whatever the transport (the CPU column is % of"
    echo "one core). Every hop costs about one voluntary context switch (the receiver was asleep in"
    echo "poll/epoll). \"machine busy\" counts the whole machine, and this machine was shared with"
    echo "other work during the runs (load average above), so here it says little about the mesh;"
    echo "on a quiet machine, busy minus the mesh's share is what the kernel and others did."
} >"$out_md"
echo "bench/mesh.sh: wrote $out_md" >&2
cat "$out_md"
