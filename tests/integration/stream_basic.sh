#!/usr/bin/env bash
# One flow, then 100 flows over 2 threads, on loopback against a real agent.
. "$(dirname "$0")/lib.sh"
start_agent

out=$TL_TMP/one.json
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 2 -i 500ms --json >"$out" || fail "1 flow: exit $?"
check "1 flow: valid document with start, intervals, end" \
    '(.start != null) and (.intervals | length) >= 3 and (.end != null) and (has("error") | not)' "$out"
check "1 flow: receiver counted bytes and a rate" '.end.sum.bytes > 0 and .end.sum.bits_per_second > 1e6' "$out"
check "1 flow: window is about 2 s" '.end.sum.seconds > 1.9 and .end.sum.seconds < 2.2' "$out"
check "1 flow: sender TCP_INFO has rtt, cwnd, mss, delivery rate" \
    '.end.streams[0].sender.tcp_info | (.rtt > 0 and .snd_cwnd > 0 and .snd_mss > 0 and .delivery_rate > 0)' "$out"
check "1 flow: limited-by shares sum to about 1" \
    '.end.streams[0].sender.limited_by | (.app + .rwnd + .sndbuf + .network) > 0.9' "$out"
check "1 flow: interval bytes add up to the window total (within 1%)" \
    '([.intervals[].sum.bytes] | add) as $s | (.end.sum.bytes - $s | fabs) <= (.end.sum.bytes * 0.01)' "$out"
check "1 flow: effective buffers reported" '.end.streams[0].sender.sndbuf > 0 and .end.streams[0].receiver.rcvbuf > 0' "$out"
check "1 flow: CPU of both ends reported" '.end.cpu_utilization_percent.client > 0 and .end.cpu_utilization_percent.agent > 0' "$out"
# Both ends run on this machine here: the same CPU count as nproc, shares within 0..100, and
# a 2 s stream keeps the machine busy.
check "1 flow: each end's kernel counters, as growth over the test" \
    '[.end.kernel_tcp.client, .end.kernel_tcp.agent] | all(has("TCPMemoryPressures") and has("TCPToZeroWindowAdv") and has("RetransSegs") and ([.[]] | all(. >= 0)))' "$out"
check "1 flow: each end's machine, busy and stolen shares" \
    "[.end.machine_cpu.client, .end.machine_cpu.agent] | all(.cpus == $(nproc) and .busy_percent > 10 and .busy_percent <= 100 and .steal_percent >= 0 and .steal_percent <= .busy_percent)" "$out"

out=$TL_TMP/hundred.json
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -P 100 -T 2 -t 2 --json >"$out" || fail "100 flows: exit $?"
check "100 flows: 100 per-flow results" '.end.streams | length == 100' "$out"
check "100 flows: every flow moved data" '[.end.streams[] | .receiver.bytes > 0] | all' "$out"
check "100 flows: total equals the sum of the flows" \
    '([.end.streams[].receiver.bytes] | add) == .end.sum.bytes' "$out"
check "100 flows: summary min <= median <= max, Jain in (0,1]" \
    '.end.sum.flows | .count == 100 and .min <= .median and .median <= .max and .jain > 0 and .jain <= 1.0000001' "$out"
check "100 flows: agent used 2 threads" '.start.agent_threads == 2' "$out"
check "100 flows: no flow failed or stalled" '.end.failed_flows == 0 and .end.stalled_flows == 0' "$out"

out=$TL_TMP/omit.json
t0=$(date +%s%N)
"$TCPLAB" stream localhost -4 -p "$AGENT_PORT" -O 1s -t 1 -i 250ms --json >"$out" || fail "omit: exit $?"
t1=$(date +%s%N)
check "omit: the window is the 1 s after the 1 s warm-up" '.end.sum.seconds > 0.95 and .end.sum.seconds < 1.1' "$out"
check "omit: intervals cover the window only" '(.intervals | length) == 4 and .intervals[0].start == 0' "$out"
[ $(( (t1 - t0) / 1000000 )) -ge 2000 ] && pass "omit: the run lasted warm-up + window" || fail "omit: run too short"
check "host names resolve (localhost)" '.start.connecting_to.host == "localhost" and .end.sum.bytes > 0' "$out"
finish
