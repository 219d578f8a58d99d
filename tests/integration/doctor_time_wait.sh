#!/usr/bin/env bash
# TIME_WAIT sockets made in a namespace of its own: the doctor's count (sock_diag through
# libmnl) must match what 'ss -tan state time-wait' reports there, per destination too;
# and --watch reports counter growth over its interval.
. "$(dirname "$0")/doctor_lib.sh"
doc_netns tw
[ -x "$SOCKGEN" ] || { echo "skip: no $SOCKGEN"; exit 77; }

n=300
port=$(nsx "$SOCKGEN" tw $n | awk '/^port/ {print $2}')
[ -n "$port" ] || { fail "sockgen tw failed"; finish; }
out=$DOC_TMP/doctor.json
nsx "$TCPLAB" doctor --json --conns-per-sec 2000 >"$out"
ss_all=$(nsx ss -tanH state time-wait | wc -l)
ss_port=$(nsx ss -tanH state time-wait "( dport = :$port )" | wc -l)
echo "ss: $ss_all TIME_WAIT ($ss_port to port $port); doctor: $(jq .sockets.time_wait "$out")"
[ "$ss_all" -eq "$n" ] && pass "ss sees the $n TIME_WAIT sockets made" || fail "ss counts $ss_all, made $n"
check "doctor's TIME_WAIT count equals ss ($ss_all)" ".sockets.time_wait == $ss_all" "$out"
check "state table has the same count" ".sockets.states.TIME_WAIT == $ss_all" "$out"
check "sockstat tw agrees" ".sockstat.tcp_tw == $ss_all" "$out"
check "largest destination group is 127.0.0.1 -> 127.0.0.1:$port with $ss_port" \
    ".sockets.time_wait_top[0] | .local == \"127.0.0.1\" and .remote == \"127.0.0.1:$port\" and .count == $ss_port" "$out"
check "time_wait finding quotes the share of ports" \
    ".findings[] | select(.id == \"time_wait\") | (.why | contains(\"$ss_port of 28232 usable ports\")) and (.seen | contains(\"$ss_all TIME_WAIT sockets\"))" "$out"

# A narrow range makes the same sockets most of the ports: severe where nothing is reused.
nsx sysctl -qw net.ipv4.ip_local_port_range="40000 40299"
nsx sysctl -qw net.ipv4.tcp_tw_reuse=0
nsx "$TCPLAB" doctor --json >"$out"
check "300 TIME_WAIT of 300 ports, tcp_tw_reuse=0: severe" \
    '.findings[] | select(.id == "time_wait") | .severity == "severe" and (.why | contains("(100.0%)"))' "$out"
# With the default tcp_tw_reuse=2 these loopback tuples get their ports back after 1 s.
nsx sysctl -qw net.ipv4.tcp_tw_reuse=2
nsx "$TCPLAB" doctor --json >"$out"
check "300 TIME_WAIT of 300 loopback ports, tcp_tw_reuse=2: ok, the ports come back" \
    '.findings[] | select(.id == "time_wait") | .severity == "ok" and (.why | contains("they do not run out below ~300 new connections/s"))' "$out"

# --watch: counters are deltas over the interval (ListenOverflows grows while a full queue is hit).
start=$(date +%s%N)
nsx "$TCPLAB" doctor --json --watch 1 >"$out"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "--watch 1: interval reported" '.counters.interval_s >= 0.99 and .counters.interval_s < 1.5' "$out"
check "--watch 1: TcpExt counters present" '.counters.TcpExt | has("ListenOverflows") and has("TCPTimeWaitOverflow")' "$out"
[ "$ms" -ge 1000 ] && [ "$ms" -lt 5000 ] && pass "--watch 1 took ${ms} ms" || fail "--watch 1 took ${ms} ms"
finish
