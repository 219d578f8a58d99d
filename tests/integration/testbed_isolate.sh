#!/usr/bin/env bash
# --isolate on (off by default): the forwarder runs on a CPU of its own, the highest the caller of
# `up` may use; the hosts' receive work (RPS, each host's eth0) and the commands of `testbed
# exec` get the other CPUs; the machine's own interfaces are not touched. With one CPU, or
# --isolate off (the default), everything shares every CPU. --isolate is fixed at up; a bad value is refused.
. "$(dirname "$0")/testbed_lib.sh"

mine=$(cpu_expand "$(cpus_allowed $$)")
ncpu=$(echo "$mine" | wc -w)
top=$(echo "$mine" | tr ' ' '\n' | sort -n | tail -1)
root_rps_before=$(cat /sys/class/net/lo/queues/rx-0/rps_cpus)

if [ "$ncpu" -ge 2 ]; then
    T=t$$i
    tb_up "$T" --rtt 2ms --isolate on
    fpid=$(jq -r .forwarder_pid "$TL_TMP/$T.up.json")
    cpu=$(tb_json "$T" | jq -r .forwarder.cpu)
    [ "$cpu" = "$top" ] && pass "forwarder set on cpu $cpu, the highest of ($mine)" ||
        fail "forwarder.cpu is $cpu, expected $top of ($mine)"
    [ "$(cpus_allowed "$fpid")" = "$top" ] && pass "the forwarder (pid $fpid) may run on cpu $top only" ||
        fail "forwarder $fpid allowed on $(cpus_allowed "$fpid")"
    got=$("$TCPLAB" testbed exec "$T" rcv -- sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
    want=$(echo "$mine" | tr ' ' '\n' | grep -vx "$top" | tr '\n' ' ')
    [ "$(cpu_expand "$got")" = "$(echo $want)" ] && pass "exec'd command on cpus $got, not $top" ||
        fail "exec'd command allowed on $got, expected $want"
    for h in rcv snd1; do
        m=$("$TCPLAB" testbed exec "$T" "$h" -- cat /sys/class/net/eth0/queues/rx-0/rps_cpus)
        v=$((16#${m//,/}))
        if [ "$v" -ne 0 ] && [ $(((v >> top) & 1)) -eq 0 ]; then
            pass "$h eth0 rps_cpus $m: receive work off cpu $top"
        else
            fail "$h eth0 rps_cpus is $m (cpu $top must be clear, another set)"
        fi
    done
    "$TCPLAB" testbed status "$T" | grep -q "cpu $top (the hosts: the others)" &&
        pass "status names the forwarder's cpu" || fail "status: $("$TCPLAB" testbed status "$T" | tail -2)"
    out=$("$TCPLAB" testbed set "$T" --isolate off 2>&1) && fail "set --isolate off was accepted"
    echo "$out" | grep -q 'isolate is fixed' && pass "set --isolate refused: fixed at up" ||
        fail "set default (off): $out"
else
    echo "note: one CPU here; only the shared cases are checked"
fi

# One CPU for the caller: nothing to set aside.
O=t$$o
TB_NAMES+=("$O")
taskset -c "$top" "$TCPLAB" testbed up "$O" --rtt 2ms --isolate on --json >"$TL_TMP/$O.up.json" ||
    fail "up confined to one CPU"
[ "$(tb_json "$O" | jq -r .forwarder.cpu)" = "-1" ] && pass "one CPU: forwarder.cpu -1 (shared)" ||
    fail "one CPU: forwarder.cpu $(tb_json "$O" | jq -r .forwarder.cpu)"
"$TCPLAB" testbed down "$O" >/dev/null || fail "down $O"

# The default, default (off): the forwarder, the hosts and their commands share every CPU.
S=t$$f
tb_up "$S" --rtt 2ms
spid=$(jq -r .forwarder_pid "$TL_TMP/$S.up.json")
[ "$(tb_json "$S" | jq -r .forwarder.isolation)" = shared ] && pass "default (off): status says shared" ||
    fail "default (off): $(tb_json "$S" | jq -r .forwarder.isolation)"
[ "$(cpu_expand "$(cpus_allowed "$spid")")" = "$mine" ] && pass "default (off): forwarder on every cpu" ||
    fail "default (off): forwarder on $(cpus_allowed "$spid")"
m=$("$TCPLAB" testbed exec "$S" rcv -- cat /sys/class/net/eth0/queues/rx-0/rps_cpus)
[ $((16#${m//,/})) -eq 0 ] && pass "default (off): rps_cpus left at 0" || fail "default (off): rps_cpus $m"
got=$("$TCPLAB" testbed exec "$S" rcv -- sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
[ "$(cpu_expand "$got")" = "$mine" ] && pass "default (off): exec'd command on every cpu" ||
    fail "default (off): exec'd command on $got"

# --spread on: the forwarder on a CPU of its own and the hosts' receive work (RPS) on the
# others, as --isolate, but the hosts' programs keep every CPU.
P=t$$p
tb_up "$P" --rtt 2ms --spread on
ppid=$(jq -r .forwarder_pid "$TL_TMP/$P.up.json")
ncpu=$(echo $mine | wc -w)
if [ "$ncpu" -ge 2 ]; then
    want=0
    for c in $mine; do [ "$c" = "$top" ] || want=$((want | (1 << c))); done
    for h in rcv snd1; do
        m=$("$TCPLAB" testbed exec "$P" $h -- cat /sys/class/net/eth0/queues/rx-0/rps_cpus)
        [ $((16#${m//,/})) -eq "$want" ] && pass "--spread on: $h rps_cpus $m: receive work off cpu $top" ||
            fail "--spread on: $h rps_cpus $m, want $(printf %x "$want")"
    done
    [ "$(cpus_allowed "$ppid")" = "$top" ] && pass "--spread on: forwarder pinned to cpu $top" ||
        fail "--spread on: forwarder on $(cpus_allowed "$ppid")"
    got=$("$TCPLAB" testbed exec "$P" rcv -- sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
    [ "$(cpu_expand "$got")" = "$mine" ] && pass "--spread on: exec'd command on every cpu" ||
        fail "--spread on: exec'd command on $got"
    [ "$(tb_json "$P" | jq -r .forwarder.isolation)" = "cpu $top (the hosts' receive work: the others)" ] &&
        pass "--spread on: status says so" || fail "--spread on: $(tb_json "$P" | jq -r .forwarder.isolation)"
fi
out=$("$TCPLAB" testbed set "$P" --spread off 2>&1) && fail "set --spread off was accepted"
echo "$out" | grep -q 'spread is fixed' && pass "set --spread refused: fixed at up" || fail "set --spread: $out"

out=$("$TCPLAB" testbed up t$$x --isolate maybe 2>&1) && { TB_NAMES+=("t$$x"); fail "--isolate maybe accepted"; }
echo "$out" | grep -q 'isolate "maybe": write on or off' && pass "--isolate maybe refused, naming the values" ||
    fail "--isolate maybe: $out"
[ "$(cat /sys/class/net/lo/queues/rx-0/rps_cpus)" = "$root_rps_before" ] &&
    pass "the machine's own lo rps_cpus untouched" || fail "lo rps_cpus changed"
finish
