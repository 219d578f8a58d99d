#!/usr/bin/env bash
# In a namespace of its own, the test sets bad values (tiny tcp_rmem, a narrow port range,
# somaxconn 16) and fills an accept queue; the doctor must find each one, with the right fix
# and the arithmetic, say which values are global, and change nothing while it looks.
. "$(dirname "$0")/doctor_lib.sh"
doc_netns findings
[ -x "$SOCKGEN" ] || { echo "skip: no $SOCKGEN"; exit 77; }

host_before=$(snapshot_sysctls)
nsx sysctl -qw net.ipv4.tcp_rmem="4096 8192 65536" \
    net.ipv4.ip_local_port_range="40000 40499" net.core.somaxconn=16 || { fail "sysctl -w in netns"; finish; }

# A listener with listen(64) (capped to 16 by somaxconn), 20 connections nobody accepts, and
# one accepted connection whose client asked for SO_RCVBUF 2048 (the kernel doubles it to
# 4096, below this namespace's tcp_rmem[1] = 8192 where autotuning would start it).
# Started directly (not through a shell function) so that $! is the helper itself:
# ip netns exec execs it in place.
ip netns exec "$DOC_NS" "$SOCKGEN" hold 64 20 2048 >"$DOC_TMP/hold.out" 2>"$DOC_TMP/hold.err" &
DOC_PIDS+=($!)
for _ in $(seq 1 50); do [ -s "$DOC_TMP/hold.out" ] && break; sleep 0.1; done
port=$(awk '/^ready/ {print $2}' "$DOC_TMP/hold.out")
[ -n "$port" ] || { fail "sockgen hold did not start: $(cat "$DOC_TMP/hold.err")"; finish; }

ns_before=$(nsx bash -c "$(declare -f snapshot_sysctls); snapshot_sysctls")
out=$DOC_TMP/doctor.json
nsx "$TCPLAB" doctor --json --rate 1gbit --rtt 100ms --conns-per-sec 2000 --concurrent 1000 >"$out"
rc=$?
[ "$rc" -eq 1 ] && pass "exit status 1 (something severe)" || fail "exit status $rc, want 1"
check "one valid JSON document, no error" 'has("findings") and (has("error") | not)' "$out"
check "runs in a namespace that is not the host's" '.netns.init == false' "$out"

check "tcp_rmem: severe, with the fix" \
    '.findings[] | select(.id == "tcp_rmem") | .severity == "severe" and .sysctl.name == "net.ipv4.tcp_rmem" and .sysctl.value == "4096 8192 33554432" and .sysctl.global == false' "$out"
check "tcp_rmem: the arithmetic (2 x BDP, window, ceiling)" \
    '.findings[] | select(.id == "tcp_rmem") | (.why | contains("needs rcvbuf >= 2 x BDP = 2 x 11.9 MiB = 23.8 MiB")) and (.why | contains("buffer reach 64 KiB")) and (.why | contains("a window of about 40 KiB and cannot exceed 40 KiB / 100 ms = 3.28 Mbit/s"))' "$out"
check "port range: severe, 500 ports, ceiling and fix" \
    '.findings[] | select(.id == "ip_local_port_range") | .severity == "severe" and (.seen | contains("40000 40499 (500 ports)")) and (.why | contains("500 usable ports / 60 s => at most ~8 new connections/s")) and (.why | contains("tcp_fin_timeout does not shorten it")) and .sysctl.value == "1024 65535"' "$out"
check "somaxconn: severe, 16 / 2000 = 8 ms, fix 4096" \
    '.findings[] | select(.id == "somaxconn") | .severity == "severe" and (.why | contains("16 / 2000 = 8 ms")) and .sysctl.value == "4096"' "$out"
check "listener: accept queue full at min(64, somaxconn 16)" \
    "(.sockets.listeners[] | select(.local == \"127.0.0.1:$port\") | .limit == 16 and .queued >= 16) and (.findings[] | select(.id == \"listen_queue\") | .severity == \"severe\")" "$out"
check "small SO_RCVBUF socket found (2048 doubled to 4096)" \
    "(.sockets.small_rcvbuf[] | select(.remote == \"127.0.0.1:$port\") | .rcvbuf == 4096) and (.findings[] | select(.id == \"small_rcvbuf\") | .severity == \"warn\")" "$out"
check "global values: tcp_mem hidden, rmem_max read-only, tcp_rmem per netns" \
    '.sysctls["net.ipv4.tcp_mem"].value == null and .sysctls["net.ipv4.tcp_mem"].scope == "global" and .sysctls["net.core.rmem_max"].scope == "global" and .sysctls["net.core.rmem_max"].writable == false and .sysctls["net.ipv4.tcp_rmem"].scope == "netns" and .sysctls["net.ipv4.tcp_rmem"].value == "4096 8192 65536"' "$out"
check "netns finding names the hidden global values" \
    '.findings[] | select(.id == "netns") | .severity == "info" and (.why | contains("tcp_mem, tcp_max_orphans, netdev_max_backlog and default_qdisc are not visible"))' "$out"
check "summary counts the severities" '.summary.worst == "severe" and .summary.severe >= 4' "$out"

# The readable report says the same.
nsx "$TCPLAB" doctor --rate 1gbit --rtt 100ms --conns-per-sec 2000 >"$DOC_TMP/report.txt"
grep -q '^SEVERE  tcp_rmem: ' "$DOC_TMP/report.txt" && grep -q 'sysctl -w net.ipv4.tcp_rmem="4096 8192 33554432"' "$DOC_TMP/report.txt" \
    && pass "text report: severe tcp_rmem with its sysctl line" || fail "text report lacks tcp_rmem fix"
grep -q '^SEVERE  somaxconn: ' "$DOC_TMP/report.txt" && pass "text report: somaxconn" || fail "text report lacks somaxconn"

# --apply FILE inside a namespace other than the host's is refused without --host-wide:
# installed in /etc/sysctl.d/ the file would set the host's values at boot.
nsx "$TCPLAB" doctor --rate 1gbit --rtt 100ms --conns-per-sec 2000 --apply "$DOC_TMP/90-tcplab.conf" \
    >/dev/null 2>"$DOC_TMP/refused.txt"; rc=$?
[ "$rc" -eq 2 ] && [ ! -e "$DOC_TMP/90-tcplab.conf" ] && pass "--apply FILE in a netns: refused (exit 2), nothing written" \
    || fail "--apply FILE in a netns: exit $rc, file $(ls "$DOC_TMP/90-tcplab.conf" 2>&1)"
[ "$(wc -l <"$DOC_TMP/refused.txt")" -eq 1 ] && grep -q "per namespace" "$DOC_TMP/refused.txt" &&
    grep -q "/etc/sysctl.d/ would set them for the host at boot" "$DOC_TMP/refused.txt" && grep -q -- "--host-wide" "$DOC_TMP/refused.txt" \
    && pass "--apply FILE in a netns: one line naming the risk and the flag" || fail "refusal text: $(cat "$DOC_TMP/refused.txt")"
nsx "$TCPLAB" doctor --json --apply "$DOC_TMP/90-tcplab.conf" >"$DOC_TMP/refused.json"; rc=$?
[ "$rc" -eq 2 ] && jq -e '.error | contains("--host-wide")' "$DOC_TMP/refused.json" >/dev/null \
    && pass "--apply FILE in a netns, --json: refusal as JSON" || fail "--json refusal: exit $rc"
"$TCPLAB" doctor --host-wide >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && pass "--host-wide without --apply: usage error" || fail "--host-wide alone: exit $rc"

# In the host's own namespace (when this test runs there) no flag is needed.
if [ -e /proc/sys/net/ipv4/tcp_mem ] && { ! pid1=$(stat -L -c %d:%i /proc/1/ns/net 2>/dev/null) ||
    [ "$pid1" = "$(stat -L -c %d:%i /proc/self/ns/net)" ]; }; then
    "$TCPLAB" doctor --apply "$DOC_TMP/host.conf" >/dev/null; rc=$?
    [ "$rc" -le 1 ] && [ -s "$DOC_TMP/host.conf" ] && ! grep -q "not the host's" "$DOC_TMP/host.conf" \
        && pass "--apply FILE in the host's namespace: written without --host-wide" || fail "host --apply: exit $rc"
fi

# With --host-wide it writes a drop-in that says where it was read, and changes nothing.
nsx "$TCPLAB" doctor --rate 1gbit --rtt 100ms --conns-per-sec 2000 --apply "$DOC_TMP/90-tcplab.conf" \
    --host-wide >"$DOC_TMP/hostwide.txt"
grep -q "sets the host's values at boot" "$DOC_TMP/hostwide.txt" && grep -q "not the host's" "$DOC_TMP/90-tcplab.conf" \
    && pass "--host-wide: output and drop-in warn it is the host's" || fail "--host-wide text: $(cat "$DOC_TMP/hostwide.txt")"
grep -qx 'net.ipv4.tcp_rmem = 4096 8192 33554432' "$DOC_TMP/90-tcplab.conf" \
    && grep -qx 'net.core.somaxconn = 4096' "$DOC_TMP/90-tcplab.conf" \
    && grep -qx 'net.ipv4.ip_local_port_range = 1024 65535' "$DOC_TMP/90-tcplab.conf" \
    && pass "--apply FILE: drop-in has the three fixes" || { fail "--apply FILE content"; cat "$DOC_TMP/90-tcplab.conf"; }
[ "$(grep -c '^# ' "$DOC_TMP/90-tcplab.conf")" -gt 6 ] && pass "--apply FILE: commented" || fail "--apply FILE: no comments"
ns_after=$(nsx bash -c "$(declare -f snapshot_sysctls); snapshot_sysctls")
[ "$ns_before" = "$ns_after" ] && pass "doctor and --apply changed nothing in the namespace" \
    || { fail "namespace values changed"; diff <(echo "$ns_before") <(echo "$ns_after"); }
[ "$host_before" = "$(snapshot_sysctls)" ] && pass "host values untouched" || fail "host values changed"

# Usage errors: exit 2, and JSON when --json is given.
nsx "$TCPLAB" doctor --rtt 3x --json >"$DOC_TMP/usage.json"; rc=$?
[ "$rc" -eq 2 ] && pass "bad --rtt: exit 2" || fail "bad --rtt: exit $rc"
check "bad --rtt: {\"error\"} quoting the input" '.error | contains("--rtt \"3x\"")' "$DOC_TMP/usage.json"
"$TCPLAB" doctor --bogus 2>/dev/null; rc=$?
[ "$rc" -eq 2 ] && pass "unknown option: exit 2" || fail "unknown option: exit $rc"
"$TCPLAB" doctor --help | grep -q -- '--conns-per-sec' && pass "--help" || fail "--help"
finish
