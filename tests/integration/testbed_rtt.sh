#!/usr/bin/env bash
# RTT through the testbed equals the configured RTT within 0.3 ms at p50: ping and tcplab rr,
# one sender, a changed RTT, and two senders with their own RTTs.
# The testbeds hold the CPUs' wake-up latency at 0 (--cpu-latency 0us, the default): on a VM whose idle
# vCPUs halt, every wake-up of the forwarder and of both ends costs 0.05 to 0.15 ms, and an rr
# transaction has six of them (measured here: rr p50 10.36 to 10.49 ms for 10 ms without it,
# 10.16 to 10.35 ms with it). The forwarder's status must say it holds the request.
. "$(dirname "$0")/testbed_lib.sh"

T=t$$r
tb_up "$T" --rtt 40ms --rate 100mbit
held=$(tb_json "$T" | jq -r .forwarder.cpu_latency)
[ "$held" = "held at 0 us" ] && pass "forwarder holds the CPU latency request by default" ||
    fail "forwarder.cpu_latency is \"$held\", not \"held at 0 us\""
RCV=$(tb_addr "$T" rcv)
tb_ping_near "$T" snd1 "$RCV" 40 && pass "ping p50 for RTT 40ms (runs:$PING_SEEN)" ||
    fail "ping p50 for RTT 40ms off in every run:$PING_SEEN ms"

"$TCPLAB" testbed set "$T" --rtt 10ms >/dev/null || fail "set --rtt 10ms"
tb_ping_near "$T" snd1 "$RCV" 10 && pass "ping p50 after set --rtt 10ms (runs:$PING_SEEN)" ||
    fail "ping p50 for RTT 10ms off in every run:$PING_SEEN ms"

# tcplab rr: one-byte transactions, the application-level RTT (histogram within 1%).
if "$TCPLAB" rr --help >/dev/null 2>&1; then
    start_agent_in "$T" rcv
    # Up to three runs: a run is disturbed by other work on this 2-core machine (the forwarder
    # and both ends wake for every packet), but an emulation error would show in all three.
    seen=""
    ok=0
    for attempt in 1 2 3; do
        "$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" rr "$RCV" -p "$AGENT_PORT" -t 3 -i 0 --json >"$TL_TMP/rr.json" ||
            fail "rr exit $?"
        p=$(jq '.end.sum.latency.p50_ns / 1e6' "$TL_TMP/rr.json")
        seen="$seen $p"
        if near "$p" 10 0.3; then ok=1; break; fi
    done
    [ $ok = 1 ] && pass "rr p50 $p ms for RTT 10ms (runs:$seen)" || fail "rr p50 for RTT 10ms off in every run:$seen ms"
else
    echo "note: no 'tcplab rr' in this build; checked with ping only"
fi

# Two senders, each with its own RTT before the shared bottleneck.
U=t$$s
tb_up "$U" --senders 2 --rtt 5ms,25ms
RCV=$(tb_addr "$U" rcv)
tb_ping_near "$U" snd1 "$RCV" 5 && pass "snd1 ping p50 for 5ms (runs:$PING_SEEN)" ||
    fail "snd1 ping p50 for 5ms off in every run:$PING_SEEN ms"
tb_ping_near "$U" snd2 "$RCV" 25 && pass "snd2 ping p50 for 25ms (runs:$PING_SEEN)" ||
    fail "snd2 ping p50 for 25ms off in every run:$PING_SEEN ms"

# Released with 'set', and the request goes with the forwarder: after 'down' nobody holds it.
"$TCPLAB" testbed set "$U" --cpu-latency off >/dev/null || fail "set --cpu-latency off"
held=$(tb_json "$U" | jq -r .forwarder.cpu_latency)
[ "$held" = off ] && pass "set --cpu-latency off releases it" || fail "after off: \"$held\""

# The forwarder's scheduling, as the kernel has it (/proc/PID/stat: nice is field 19, the
# policy field 41: 0 SCHED_OTHER, 1 SCHED_FIFO): nice -20 by default, FIFO after set --prio rt,
# nice 0 after --prio normal.
sched_of() { awk '{ print $41, $19 }' "/proc/$1/stat"; }
fpid=$(tb_json "$U" | jq -r .pid)
[ "$(sched_of "$fpid")" = "0 -20" ] && [ "$(tb_json "$U" | jq -r .forwarder.sched)" = "SCHED_OTHER nice -20" ] &&
    pass "forwarder runs at nice -20 by default" || fail "default scheduling: $(sched_of "$fpid")"
"$TCPLAB" testbed set "$U" --prio rt >/dev/null || fail "set --prio rt"
[ "$(sched_of "$fpid" | cut -d' ' -f1)" = 1 ] && [ "$(tb_json "$U" | jq -r .forwarder.sched)" = "SCHED_FIFO 10" ] &&
    pass "set --prio rt makes it SCHED_FIFO" || fail "after --prio rt: $(sched_of "$fpid")"
"$TCPLAB" testbed set "$U" --prio normal >/dev/null || fail "set --prio normal"
[ "$(sched_of "$fpid")" = "0 0" ] && pass "set --prio normal: SCHED_OTHER, nice 0" ||
    fail "after --prio normal: $(sched_of "$fpid")"
tb_ping_near "$U" snd1 "$RCV" 5 && pass "snd1 ping p50 after the changes (runs:$PING_SEEN)" ||
    fail "snd1 ping p50 after the changes off in every run:$PING_SEEN ms"
out=$("$TCPLAB" testbed set "$U" --prio fast 2>&1) && fail "set --prio fast was accepted"
echo "$out" | grep -q 'prio "fast": write high, rt or normal' && pass "--prio fast refused, naming the values" ||
    fail "--prio fast: $out"
finish
