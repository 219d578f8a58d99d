#!/usr/bin/env bash
# testbed up/down leaves nothing behind; two testbeds coexist; status, list, exec, set;
# a failed up removes what it made.
. "$(dirname "$0")/testbed_lib.sh"

snap() {
    ip netns list | awk '{print $1}' | sort >"$TL_TMP/$1.netns"
    ip -o link show | awk -F': ' '{print $2}' | sort >"$TL_TMP/$1.links"
    pgrep -f "router --testbed" | sort >"$TL_TMP/$1.fwd" || true
    ls /run/tcplab/testbed 2>/dev/null | sort >"$TL_TMP/$1.state" || true
}
snap before

A=t$$a B=t$$b
tb_up "$A" --senders 2 --rtt 10ms,30ms --rate 50mbit --aqm codel
tb_up "$B"
snap during

# Namespaces: exactly the planned ones, and no interface in this namespace.
for ns in "tl-$A-rtr" "tl-$A-rcv" "tl-$A-snd1" "tl-$A-snd2" "tl-$B-rtr" "tl-$B-rcv" "tl-$B-snd1"; do
    grep -qx "$ns" "$TL_TMP/during.netns" && pass "namespace $ns exists" || fail "namespace $ns missing"
done
[ "$(comm -13 "$TL_TMP/before.netns" "$TL_TMP/during.netns" | wc -l)" -eq 7 ] &&
    pass "7 namespaces added, no more" || fail "namespaces added: $(comm -13 "$TL_TMP/before.netns" "$TL_TMP/during.netns" | tr '\n' ' ')"
cmp -s "$TL_TMP/before.links" "$TL_TMP/during.links" && pass "no interface in the caller's namespace" ||
    fail "interfaces changed here: $(diff "$TL_TMP/before.links" "$TL_TMP/during.links" | tr '\n' ' ')"

# Addresses: distinct /24s, hosts where the plan says.
SA=$(jq -r .subnet "$TL_TMP/$A.up.json"); SB=$(jq -r .subnet "$TL_TMP/$B.up.json")
[ "$SA" != "$SB" ] && pass "two testbeds, two subnets ($SA, $SB)" || fail "same subnet $SA"
RCV=$(tb_addr "$A" rcv); SND2=$(tb_addr "$A" snd2)
"$TCPLAB" testbed exec "$A" snd2 -- ip -4 -o addr show dev eth0 | grep -q " $SND2/24 " &&
    pass "exec: snd2 has $SND2" || fail "exec: snd2 lacks $SND2"
"$TCPLAB" testbed exec "$A" rtr -- sysctl -n net.ipv4.ip_forward | grep -qx 0 &&
    pass "router: ip_forward=0" || fail "router forwards in the kernel"
[ -z "$("$TCPLAB" testbed exec "$A" rtr -- ip -4 -o addr show scope global)" ] &&
    pass "router: no addresses" || fail "router has addresses"
k=$("$TCPLAB" testbed exec "$A" snd1 -- ethtool -k eth0)
echo "$k" | grep -q "^tcp-segmentation-offload: off" && echo "$k" | grep -q "^generic-segmentation-offload: off" &&
    echo "$k" | grep -q "^generic-receive-offload: off" && echo "$k" | grep -q "^tx-checksumming: off" &&
    pass "sender offloads off (tso gso gro tx-csum)" || fail "sender offloads: $(echo "$k" | grep -E '^(tcp-seg|generic|tx-check)')"
"$TCPLAB" testbed exec "$A" rtr -- ethtool -k snd1 | grep -q "^generic-receive-offload: off" &&
    pass "router port: gro off" || fail "router port gro on"
"$TCPLAB" testbed exec "$A" nosuch -- true 2>"$TL_TMP/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no host \"nosuch\"" "$TL_TMP/err" && pass "exec: unknown host named" || fail "exec nosuch: rc $rc $(cat "$TL_TMP/err")"

# Both forwarders run `tcplab router --testbed NAME` (the router on the testbed's veths),
# and they are the PIDs the state file and status give.
declare -A FWD_PID
for n in "$A" "$B"; do
    pid=$(jq -r .forwarder_pid "$TL_TMP/$n.up.json")
    FWD_PID[$n]=$pid
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q " router --testbed $n " && pass "forwarder of $n runs 'tcplab router --testbed $n' as pid $pid" ||
        fail "forwarder of $n (pid $pid) not running 'router --testbed $n': $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
    [ "$(jq -r .forwarder_pid "${TCPLAB_TESTBED_DIR:-/run/tcplab/testbed}/$n/testbed.json" 2>/dev/null)" = "$pid" ] &&
        pass "state file of $n: forwarder pid $pid" || fail "state file of $n does not name pid $pid"
done
# (a packet socket's membership counts in promiscuity; the PROMISC flag shows only the user's)
"$TCPLAB" testbed exec "$A" rtr -- ip -d link show snd1 | grep -Eq "promiscuity [1-9]" &&
    pass "router port: held promiscuous by the router" || fail "router port snd1 not promiscuous"

# Packets pass: sender to receiver, both senders.
for s in snd1 snd2; do
    "$TCPLAB" testbed exec "$A" "$s" -- ping -n -c 2 -i 0.1 -W 2 "$RCV" >/dev/null &&
        pass "ping $s -> rcv" || fail "ping $s -> rcv"
done

# status, list
tb_json "$A" >"$TL_TMP/st.json"
check "status: settings" '.options.rate == "50mbit" and .fwd.rate_bps == 50000000 and .fwd.queue.aqm == "codel" and .rev.queue.aqm == "codel"' "$TL_TMP/st.json"
check "status: per-sender RTTs and delay lines" '.config.rtt_ns == [10000000, 30000000] and (.access | length) == 2 and .access[1].fwd_delay_ns == 10000000' "$TL_TMP/st.json"
check "status: counters saw the pings" '.fwd.stats.pkts_in >= 4 and .fwd.stats.pkts_out >= 4 and .rev.stats.pkts_out >= 4' "$TL_TMP/st.json"
check "status: per-flow counts (icmp)" '[.fwd.flows[] | select(.proto == "icmp")] | length == 2' "$TL_TMP/st.json"
check "status: queue delay and length histograms" '.fwd.qdelay_ns.count >= 4 and (.fwd.qlen_bytes | has("p99"))' "$TL_TMP/st.json"
check "status: forwarder numbers" '.forwarder.pool_size == 65536 and .forwarder.no_buffer_drops == 0 and (.ports | length) == 3' "$TL_TMP/st.json"
# Its wait for a CPU since the start cannot exceed the time it has run for.
check "status: forwarder's CPU wait and the machine's steal" \
    '.forwarder.cpu_wait_s >= 0 and .forwarder.cpu_wait_s < .uptime_ns / 1e9 and .forwarder.steal_percent >= 0 and .forwarder.steal_percent <= 100' "$TL_TMP/st.json"
"$TCPLAB" testbed status "$A" >"$TL_TMP/st.txt" && grep -q "snd->rcv" "$TL_TMP/st.txt" && pass "status: table" || fail "status table"
# DELAY in the table is one-way: the text says so, with the RTT it makes (B: default 40 ms).
"$TCPLAB" testbed status "$B" >"$TL_TMP/stB.txt"
grep -q "1-WAY DLY" "$TL_TMP/stB.txt" && grep -Eq "^delay 20(\.0+)? ms each way \(RTT 40(\.0+)? ms" "$TL_TMP/stB.txt" &&
    pass "status: one-way delay and RTT spelled out" || fail "status text: $(grep -i delay "$TL_TMP/stB.txt")"
grep -Eq "^delay 5(\.0+)? ms each way \(RTT 10(\.0+)? ms.*own delay line" "$TL_TMP/st.txt" &&
    pass "status: shared link's RTT, senders' own lines pointed to" || fail "status text A: $(grep -i "each way" "$TL_TMP/st.txt")"
"$TCPLAB" testbed list --json >"$TL_TMP/list.json"
check "list: both testbeds, running" "[.[] | select(.name == \"$A\" or .name == \"$B\") | .running] == [true, true]" "$TL_TMP/list.json"

# set: a change applies live; a refused one changes nothing.
"$TCPLAB" testbed set "$A" --rate 20mbit --aqm pie --loss 0.5% >/dev/null && pass "set: accepted" || fail "set refused"
tb_json "$A" >"$TL_TMP/st2.json"
check "set: applied to the running links" '.fwd.rate_bps == 20000000 and .fwd.queue.aqm == "pie" and .fwd.loss.model == "bernoulli" and .rev.loss.model == "none" and .options.rate == "20mbit"' "$TL_TMP/st2.json"
"$TCPLAB" testbed set "$A" --aqm wred 2>"$TL_TMP/err"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--aqm" "$TL_TMP/err" && pass "set: a bad value is refused with its option named" || fail "set --aqm wred: rc $rc"
"$TCPLAB" testbed set "$A" --senders 3 2>"$TL_TMP/err"; rc=$?
[ $rc -eq 2 ] && grep -q "fixed" "$TL_TMP/err" && pass "set: --senders is fixed" || fail "set --senders: rc $rc"
tb_json "$A" | jq -e '.fwd.queue.aqm == "pie"' >/dev/null && pass "set: refusals changed nothing" || fail "refused set changed something"

# The series file: a line every 100 ms, on the monotonic clock. A line's time is when its
# tick ran, and the next tick keeps the period's phase: after a late tick the next gap is
# short, so single gaps are bounded loosely and their mean tightly.
sleep 0.5
"$TCPLAB" testbed status "$A" --json --series >"$TL_TMP/ser.json"
check "series: lines 100 ms apart on average, increasing" '(.series | length) >= 5 and ([.series | range(1; length) as $i | (.[$i].t_ns - .[$i-1].t_ns)] | all(. > 0 and . < 400000000)) and ((.series[-1].t_ns - .series[0].t_ns) / ((.series | length) - 1) | . > 80000000 and . < 150000000)' "$TL_TMP/ser.json"
check "series: per-direction counters" '.series[-1].fwd.pkts_in >= 4 and (.series[-1].rev | has("qdelay_p99_ns"))' "$TL_TMP/ser.json"
check "series: the forwarder's CPU wait (at most its period) and the steal of each period" \
    '[.series[] | .cpu_wait_ns >= 0 and .cpu_wait_ns <= 400000000 and .steal_percent >= 0 and .steal_percent <= 100] | all' "$TL_TMP/ser.json"

# A second up with the same name is refused and leaves the first alone.
"$TCPLAB" testbed up "$B" 2>"$TL_TMP/err"; rc=$?
[ $rc -eq 3 ] && grep -q "exists" "$TL_TMP/err" && pass "up: an existing name is refused" || fail "second up $B: rc $rc"
"$TCPLAB" testbed status "$B" >/dev/null && pass "up: the existing testbed still runs" || fail "$B damaged by the second up"
# A bad option: usage error, nothing made.
C=t$$c
"$TCPLAB" testbed up "$C" --rate fast 2>"$TL_TMP/err"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--rate" "$TL_TMP/err" && ! ip netns list | grep -q "tl-$C-" && pass "up: a bad option makes nothing" ||
    fail "up --rate fast: rc $rc"

# down: everything goes, nothing else.
for n in "$A" "$B"; do
    "$TCPLAB" testbed down "$n" >"$TL_TMP/down.txt" && pass "down $n" || fail "down $n: $(cat "$TL_TMP/down.txt")"
    # (a zombie not yet reaped by init has an empty command line)
    ! tr '\0' ' ' <"/proc/${FWD_PID[$n]}/cmdline" 2>/dev/null | grep -q "router --testbed $n " &&
        pass "down $n ended its router (pid ${FWD_PID[$n]})" ||
        fail "down $n: router pid ${FWD_PID[$n]} still there: $(tr '\0' ' ' <"/proc/${FWD_PID[$n]}/cmdline" 2>/dev/null)"
done
TB_NAMES=()
sleep 0.2
snap after
cmp -s "$TL_TMP/before.netns" "$TL_TMP/after.netns" && pass "namespaces as before" ||
    fail "namespaces differ: $(diff "$TL_TMP/before.netns" "$TL_TMP/after.netns" | tr '\n' ' ')"
cmp -s "$TL_TMP/before.links" "$TL_TMP/after.links" && pass "links as before" || fail "links differ"
cmp -s "$TL_TMP/before.fwd" "$TL_TMP/after.fwd" && pass "no forwarder left" ||
    fail "forwarder processes differ: $(diff "$TL_TMP/before.fwd" "$TL_TMP/after.fwd" | tr '\n' ' ')"
cmp -s "$TL_TMP/before.state" "$TL_TMP/after.state" && pass "state directories as before" || fail "state dirs left"
"$TCPLAB" testbed down "$A" 2>"$TL_TMP/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no testbed" "$TL_TMP/err" && pass "down: an unknown testbed is named" || fail "second down: rc $rc"
finish
