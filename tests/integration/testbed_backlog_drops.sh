#!/usr/bin/env bash
# Packets the host's kernel drops at a full per-CPU input queue are lost outside the emulated
# links: the forwarder counts them (status forwarder.backlog_drops, the series'
# backlog_drops), a stream through the testbed names them with the fix, and `up --spread on`
# warns when net.core.netdev_max_backlog is under 10000. The queue is made tiny (16) for the
# test, so that --spread's hand-over to another CPU overflows it, and put back on exit.
. "$(dirname "$0")/testbed_lib.sh"

mine=$(cpu_expand "$(cpus_allowed $$)")
if [ "$(echo "$mine" | wc -w)" -lt 2 ]; then echo "skip: --spread needs two CPUs"; exit 77; fi

BACKLOG_BEFORE=$(sysctl -n net.core.netdev_max_backlog)
restore_backlog() {
    sysctl -qw net.core.netdev_max_backlog="$BACKLOG_BEFORE"
    tb_cleanup
}
trap restore_backlog EXIT
sysctl -qw net.core.netdev_max_backlog=16 || { echo "skip: cannot set net.core.netdev_max_backlog"; exit 77; }

T=t$$b
tb_up "$T" --rate 1gbit --rtt 2ms --spread on
grep -q 'net.core.netdev_max_backlog is 16; with --spread' "$TL_TMP/$T.up.err" &&
    pass "up --spread on warns of a backlog of 16" || fail "up's warning: $(cat "$TL_TMP/$T.up.err")"
before=$(tb_json "$T" | jq -r .forwarder.backlog_drops)
[[ $before =~ ^[0-9]+$ ]] && pass "status reports backlog_drops ($before)" ||
    fail "forwarder.backlog_drops is \"$before\""

start_agent_in "$T" rcv
rcv=$(tb_addr "$T" rcv)
"$TCPLAB" testbed exec "$T" snd1 -- "$TCPLAB" stream "$rcv" -p "$AGENT_PORT" -P 20 -t 3 -i 0 \
    >"$TL_TMP/stream.txt" 2>&1 || fail "stream: $(tail -3 "$TL_TMP/stream.txt")"
note=$(grep "at a full input queue" "$TL_TMP/stream.txt")
n=$(echo "$note" | sed -n "s/.*kernel dropped \([0-9]*\) packets at a full input queue.*/\1/p")
if [ -n "$n" ] && [ "$n" -gt 0 ] && echo "$note" | grep -q "netdev_max_backlog=10000"; then
    pass "the stream names $n packets dropped outside the links, with the fix"
else
    fail "no backlog note under the stream's table: $(tail -4 "$TL_TMP/stream.txt")"
fi

doc=$("$TCPLAB" testbed status "$T" --series --json)
after=$(echo "$doc" | jq -r .forwarder.backlog_drops)
last=$(echo "$doc" | jq -r '.series[-1].backlog_drops')
[ "$after" -ge "$((before + n))" ] && pass "status counts them too ($before -> $after)" ||
    fail "status backlog_drops $before -> $after, the stream saw $n"
[ "$last" -ge "$n" ] && [ "$last" -le "$after" ] && pass "the series' last line: $last since up" ||
    fail "series' last backlog_drops $last (stream $n, status $after)"
"$TCPLAB" testbed status "$T" | grep -q "this host's kernel dropped [0-9]* packets at a full input queue" &&
    pass "the status table names them" || fail "status table: $("$TCPLAB" testbed status "$T" | grep forwarder)"

# The advised queue: no warning at up.
sysctl -qw net.core.netdev_max_backlog=10000
Q=t$$q
tb_up "$Q" --rate 1gbit --rtt 2ms --spread on
grep -q netdev_max_backlog "$TL_TMP/$Q.up.err" && fail "a warning at 10000: $(cat "$TL_TMP/$Q.up.err")" ||
    pass "no warning with a backlog of 10000"
finish
