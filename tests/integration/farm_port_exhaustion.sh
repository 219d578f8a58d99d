#!/usr/bin/env bash
# Seed 002 within seconds: in a network namespace of its own with 201 ephemeral ports
# (40000-40200) and no TIME_WAIT reuse, one connection per job runs out of ports after ~201
# requests. farm must say so in one clear line (cause, ceiling, remedies), count the failed
# connects, still end at --max-time with valid JSON, and mark the result incomplete. The
# cure (one connection per worker) finishes exactly in the same namespace. Then --isolate
# does the same in a private namespace of its own, without touching the host's settings.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for ip netns"; exit 77; }
command -v jq >/dev/null || { echo "skip: needs jq"; exit 77; }
command -v ip >/dev/null || { echo "skip: needs iproute2"; exit 77; }

ns="tl-farm-$$"
ip netns add "$ns" || { echo "skip: ip netns add failed"; exit 77; }
trap 'ip netns del "$ns" 2>/dev/null; tl_cleanup' EXIT
nsx() { ip netns exec "$ns" "$@"; }
ip -n "$ns" link set lo up
nsx sysctl -qw net.ipv4.ip_local_port_range="40000 40200"
# Linux reuses loopback TIME_WAIT ports after 1 s (tcp_tw_reuse=2, the default); 0 is what a
# client talking to another host gets, and what seed 002 met on macOS.
nsx sysctl -qw net.ipv4.tcp_tw_reuse=0

# The cure first, while every port is free: 5 connections for 3000 jobs.
out=$TL_TMP/cure.json
timeout 30 ip netns exec "$ns" "$TCPLAB" farm --jobs 3000 --batch 600 --connection persistent \
    --max-time 10s --json >"$out"
rc=$?
[ "$rc" -eq 0 ] && pass "cure in 201 ports: exit 0" || fail "cure: exit $rc"
check "cure: exact result with 5 connections" \
    '.result.verdict == "PASS" and .result.primes == 348513 and .workers.connections == 5 and .workers.connect_failed == 0' "$out"

# The seed's mistake: a connection per job, 3000 jobs, 201 ports.
out=$TL_TMP/seed.json
err=$TL_TMP/seed.err
t0=$(date +%s%N)
timeout 30 ip netns exec "$ns" "$TCPLAB" farm --jobs 3000 --batch 1 --connection per-request \
    --max-time 3s --json >"$out" 2>"$err"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "per-request in 201 ports: exit $rc after $ms ms; stderr:"; cat "$err"
[ "$rc" -eq 1 ] && pass "exit 1: the work did not finish" || fail "exit $rc (want 1)"
[ "$ms" -lt 6000 ] && pass "ended on time ($ms ms for --max-time 3s)" || fail "took $ms ms"
jq -e . "$out" >/dev/null && pass "stdout is valid JSON" || { fail "stdout is not JSON"; head -c 300 "$out"; }
lines=$(grep -c 'EADDRNOTAVAIL' "$err")
[ "$lines" -eq 1 ] && pass "exactly one line about EADDRNOTAVAIL on stderr" || fail "$lines such lines"
grep 'EADDRNOTAVAIL' "$err" | grep -q 'ephemeral ports exhausted: 201 usable ports, tcp_tw_reuse = 0: .*60 s => at most ~3 new connections/s' \
    && pass "the line gives the cause and the ceiling (201 ports / 60 s)" || fail "cause or ceiling missing"
grep 'EADDRNOTAVAIL' "$err" | grep -q 'Remedies: more jobs per request (--batch), one connection per worker (--connection persistent)' \
    && pass "the line gives the remedies" || fail "remedies missing"
check "failed attempts counted (EADDRNOTAVAIL > 0), never hidden in the rate" \
    '.workers.connect_failed_eaddrnotavail > 0 and .workers.connect_attempts == .workers.connections + .workers.connect_failed' "$out"
check "stopped by --max-time, result marked INCOMPLETE, not verified" \
    '.stopped_by == "max-time" and .complete == false and .result.verdict == "INCOMPLETE" and .result.jobs_missing > 0' "$out"
check "elapsed within the bound" '.elapsed_s <= 3.5' "$out"
check "limited by ephemeral ports, TIME_WAIT near all 201 ports" \
    '.limited_by == "ephemeral-ports" and .ports.usable == 201 and .time_wait.peak >= 190 and .ports.tw_reuse_applies == false' "$out"
check "summary says so, with the cure" \
    '.summary | test("limited by ephemeral ports \\(TIME_WAIT [0-9,]+ of 201 ports; [0-9,]+ connects failed with EADDRNOTAVAIL\\).*batch jobs or keep the connection")' "$out"
check "the JSON keeps the one line too" '.connect_failure | contains("EADDRNOTAVAIL")' "$out"
tw=$(nsx ss -tanH state time-wait | wc -l)
[ "$tw" -ge 190 ] && pass "ss in the namespace: $tw TIME_WAIT sockets" || fail "ss: $tw TIME_WAIT"

# --isolate: the same comparison in private namespaces; the host's settings stay as they were.
before=$(cat /proc/sys/net/ipv4/ip_local_port_range /proc/sys/net/ipv4/tcp_tw_reuse | tr '\n\t' '  ')
out=$TL_TMP/isolate.json
timeout 30 "$TCPLAB" farm --compare --isolate --port-range 40000-40200 --range 1-1000000 \
    --jobs 3000 --max-time 3s --json >"$out" 2>"$TL_TMP/isolate.err"
rc=$?
after=$(cat /proc/sys/net/ipv4/ip_local_port_range /proc/sys/net/ipv4/tcp_tw_reuse | tr '\n\t' '  ')
[ "$rc" -eq 1 ] && pass "--compare --isolate: exit 1 (the first run could not finish)" || fail "exit $rc"
check "--isolate: the seed's run is limited by ephemeral ports" \
    '.runs[0].limited_by == "ephemeral-ports" and .runs[0].spec.isolated and .runs[0].result.verdict == "INCOMPLETE"' "$out"
check "--isolate: the cure passes in its own fresh namespace" \
    '.runs[1].result.verdict == "PASS" and .runs[1].result.primes == 78498 and .runs[1].workers.connect_failed == 0 and .runs[1].spec.batch == 600' "$out"
check "--isolate: two summary lines" '(.summary | length) == 2' "$out"
[ "$before" = "$after" ] && pass "host settings untouched ($after)" || fail "host changed: $before -> $after"
finish
