#!/usr/bin/env bash
# Every transport with every pattern: exact hop counts and conserved tokens; a --time run
# measures its window; --compare puts the four transports side by side; the report holds
# what it promises (latency percentiles in order, CPU busy + idle = 100, TCP counters for
# TCP only, per-rank rows that add up).
. "$(dirname "$0")/mesh_lib.sh"

for t in tcp tcp-nodelay tcp-quickack unix; do
    for p in ring random all-to-all pairs; do
        out=$TL_TMP/$t-$p.json
        mesh_run "$out" -n 6 -m 3 --pattern "$p" --transport "$t" --hops 3000 --message-size 100
        mesh_ok "$t / $p: 3000 hops exactly, 3 tokens conserved" "$out"
    done
done
out=$TL_TMP/tcp-ring.json
check "transport and pattern are reported" '.runs[0].transport == "tcp" and .runs[0].pattern == "ring" and .runs[0].message_size == 100' "$out"
check "tcp: kernel counters present" '.runs[0].tcp_counters | has("DelayedACKs") and has("TCPOrigDataSent") and has("InSegs")' "$out"
check "unix: no TCP counters" '.runs[0].tcp_counters == null' "$TL_TMP/unix-ring.json"
check "ring: every rank received the same share" \
    '[.runs[0].per_rank[].hops_received] | (max - min) <= 3' "$out"
check "pairs: per-rank sums equal the total" \
    '([.runs[0].per_rank[].hops_received] | add) == .runs[0].hops_received and ([.runs[0].per_rank[].held] | add) == 3' \
    "$TL_TMP/unix-pairs.json"

# A timed run: the window is what was asked for, hops/s is hops over that window.
out=$TL_TMP/timed.json
mesh_run "$out" -n 4 -m 2 --pattern random --time 1s
mesh_ok "--time 1s run" "$out"
check "window about 1 s" '.runs[0].window_s > 0.95 and .runs[0].window_s < 1.5' "$out"
check "hops/s = hops / window" '.runs[0] | (.hops_per_s - .hops / .window_s) | fabs < 1' "$out"
check "some hops were made" '.runs[0].hops > 100' "$out"
check "latency percentiles in order" \
    '.runs[0].latency_ns | .count > 0 and .min <= .p50 and .p50 <= .p90 and .p90 <= .p99 and .p99 <= .p99_9 and .p99_9 <= .max' "$out"
check "machine busy + idle = 100, mesh share within 0..100" \
    '.runs[0].cpu.machine | (.busy_pct + .idle_pct - 100 | fabs) < 0.01 and .ncpu >= 1 and .hosts == 1' "$out"
check "mesh CPU and context switches measured" \
    '.runs[0].cpu.mesh | .pct_of_core > 0 and .pct_of_machine >= 0 and .pct_of_machine <= 100.5 and .vol_ctx > 0 and .cpu_ns_per_hop > 0' "$out"

# Many tokens of large messages: send queues fill, writes come back short, framing holds.
out=$TL_TMP/big.json
mesh_run "$out" -n 4 -m 400 --message-size 64K --pattern random --hops 20000
mesh_ok "400 tokens of 64 KiB: partial writes and reads, all tokens back" "$out"

# --compare: the four transports in turn, in one document and one table.
out=$TL_TMP/compare.json
mesh_run "$out" -n 4 -m 1 --pattern random --time 300ms --compare
mesh_ok "--compare: four runs" "$out"
check "--compare: tcp, tcp-nodelay, tcp-quickack, unix" \
    '[.runs[].transport] == ["tcp", "tcp-nodelay", "tcp-quickack", "unix"]' "$out"
timeout 60 "$TCPLAB" mesh -n 4 --pattern ring --time 200ms --compare >"$TL_TMP/compare.txt" 2>&1
grep -qE '^ +tcp +tcp-nodelay +tcp-quickack +unix$' "$TL_TMP/compare.txt" && grep -q '^hops/s' "$TL_TMP/compare.txt" \
    && grep -q 'DelayedACKs' "$TL_TMP/compare.txt" && grep -q '1/1 ok' "$TL_TMP/compare.txt" \
    && pass "--compare table: one column per transport" || { fail "--compare table"; cat "$TL_TMP/compare.txt"; }
finish
