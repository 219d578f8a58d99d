#!/usr/bin/env bash
# farm with batching returns the exact prime count of seed 002's workload (348,513 primes
# below 5,000,000). Then serve and work as separate processes, with two misbehaving clients
# in between: an HTTP client that hits the farm port by mistake (refused with a clear error,
# the server keeps going), and a worker that takes 100 jobs and dies (they are re-queued after
# --job-timeout, and the total is still exact).
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "skip: needs jq"; exit 77; }

out=$TL_TMP/batch.json
timeout 60 "$TCPLAB" farm --batch 10000 --connection persistent --json >"$out"
rc=$?
[ "$rc" -eq 0 ] && pass "farm --batch 10000 --connection persistent: exit 0" || fail "exit $rc"
check "exact prime count 348513 over 1..5000000, verified PASS" \
    '.result.primes == 348513 and .result.expected == 348513 and .result.verdict == "PASS"' "$out"
check "all 50000 jobs returned, none missing, no duplicates" \
    '.jobs_done == 50000 and .result.jobs_missing == 0 and .result.duplicates == 0 and .complete' "$out"
check "one connection per worker, none failed" \
    '.workers.connections == 5 and .workers.connect_failed == 0' "$out"
check "few requests: 5 batches of 10000, plus the answers that say DONE" \
    '.workers.requests >= 5 and .workers.requests <= 40' "$out"
check "summary names the run and its limit" \
    '(.summary | startswith("persistent batch 10000: ")) and (.limited_by | length > 0)' "$out"

# serve and work as two processes.
pf=$TL_TMP/port
"$TCPLAB" farm serve --bind 127.0.0.1 --port 0 --port-file "$pf" --range 1-1000000 --jobs 5000 \
    --job-timeout 1s --max-time 40s --json >"$TL_TMP/serve.json" 2>"$TL_TMP/serve.err" &
serve_pid=$!
TL_PIDS+=("$serve_pid")
for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
[ -s "$pf" ] || { fail "farm serve did not write its port"; cat "$TL_TMP/serve.err"; finish; }
port=$(cat "$pf")

# An HTTP client by mistake: "GET " is read as a length and '/' (47) as the version.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET / HTTP/1.0\r\n\r\n' >&3
timeout 5 cat <&3 >"$TL_TMP/http.reply"
exec 3<&-
grep -q "version 47: this tcplab speaks version 1" "$TL_TMP/http.reply" \
    && pass "an HTTP request is refused with a clear ERROR" \
    || { fail "no ERROR for an HTTP request"; od -c "$TL_TMP/http.reply" | head -5; }

# A worker that takes 100 jobs and dies: REQUEST{worker 99, want 100, no results}.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf '\x00\x00\x00\x10\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x63\x00\x00\x00\x64' >&3
timeout 5 head -c 12 <&3 >"$TL_TMP/dead.hdr"
exec 3<&-
hdr=$(od -An -tx1 "$TL_TMP/dead.hdr" | tr -d ' \n')
# length 2016 = 8 + 8 + 100 x 20, version 1, type 2 (JOBS), flags 0, count 100
[ "$hdr" = "000007e00102000000000064" ] \
    && pass "the dying worker got 100 JOBS" || fail "unexpected answer header $hdr"

timeout 60 "$TCPLAB" farm work 127.0.0.1 --port "$port" --workers 2 --batch 100 \
    --connection persistent --json >"$TL_TMP/work.json"
rc=$?
[ "$rc" -eq 0 ] && pass "farm work: exit 0" || fail "farm work: exit $rc"
wait "$serve_pid"
src=$?
[ "$src" -eq 0 ] && pass "farm serve: exit 0 (verified)" || { fail "farm serve: exit $src"; cat "$TL_TMP/serve.err"; }
check "serve: exact pi(10^6) = 78498" \
    '.result.primes == 78498 and .result.expected == 78498 and .result.verdict == "PASS"' "$TL_TMP/serve.json"
check "serve: the dead worker's 100 jobs were re-queued" '.server_stats.requeued >= 100' "$TL_TMP/serve.json"
check "serve: the HTTP request counted as malformed, with its reason" \
    '.server_stats.malformed >= 1 and (.server_stats.first_malformed | contains("version 47"))' \
    "$TL_TMP/serve.json"
check "work: the server's DONE said PASS with 78498" \
    '.result.verdict == "PASS" and .result.primes == 78498 and .workers.jobs_returned >= 4900' \
    "$TL_TMP/work.json"
finish
