#!/usr/bin/env bash
# --bytes runs at their edges, against a bottleneck nobody here wrote (tbf at 100 Mbit/s on a
# veth between two namespaces):
# - a transfer that --max-time cuts short says so in one line, is marked incomplete in the
#   JSON and exits 1; --verify checks the bytes that came and does not call the bytes never
#   sent mismatches;
# - every interval's rate is its bytes over the time the receiver's interval covered: no
#   interval, the last partial one included, carries more than the link can.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stream_tbf_lib.sh"
tbf_path 100mbit

# 1. 1 GiB cannot cross 100 Mbit/s in 2 s.
out=$TL_TMP/cut.txt
inA "$TCPLAB" stream "$ADDR_B" -p "$PORT" -n 1G --max-time 2 >"$out" 2>"$TL_TMP/cut.err"
rc=$?
[ $rc -eq 1 ] && pass "cut short by --max-time: exit 1" || fail "cut short by --max-time: exit $rc"
grep -q "^Incomplete: .* of 1.00 GiB arrived; --max-time 2[.0]* s ended the run (exit status 1)" "$out" \
    && pass "cut short: the Incomplete line" || { fail "no Incomplete line"; cat "$out" "$TL_TMP/cut.err"; }

out=$TL_TMP/cut.json
inA "$TCPLAB" stream "$ADDR_B" -p "$PORT" -n 1G --max-time 2 --verify --json >"$out" 2>"$TL_TMP/cutv.err"
rc=$?
[ $rc -eq 1 ] && pass "cut short with --verify: exit 1" || fail "cut short with --verify: exit $rc"
check "cut short: JSON says incomplete, why, and how much arrived" \
    '.end.incomplete == true and .end.incomplete_reason == "max-time" and .end.bytes_expected == 1073741824 and .end.bytes_arrived > 0 and .end.bytes_arrived < 1073741824' "$out"
check "cut short: --verify finds no mismatch in the bytes that came, and says it did not compare counts" \
    '.end.verify.ok == true and .end.verify.mismatched_flows == 0 and .end.verify.counts_checked == false and .end.streams[0].receiver.verify.errors == 0' "$out"
check "cut short: the window is --max-time, not longer" '.end.sum.seconds > 1.9 and .end.sum.seconds < 2.3' "$out"

# 2. 30 MiB at 100 Mbit/s: 2.5 s; the last interval is partial. tbf lets through at most
# 100 Mbit/s plus its 4 KB bucket. The receiver's reads may lag the wire: on a loaded host
# a descheduled receiver reads a backlog at once, so an interval may carry more than the link
# did in it; allowed 2 MB (160 ms of the link) beyond. The old code divided the receiver's
# bytes by the sender's interval, which ends when the last byte went into the socket buffer,
# 0.33 s (3.9 MB) earlier: 112 Mbit/s over 0.54 s.
out=$TL_TMP/iv.json
inA "$TCPLAB" stream "$ADDR_B" -p "$PORT" -n 30M -i 0.5 --json >"$out" 2>"$TL_TMP/iv.err" || fail "30M: exit $?"
check "30M: complete" '.end.incomplete == false and .end.sum.bytes == 31457280' "$out"
check "30M: no interval carries more than the link (100 Mbit/s x its span + 2 MB)" \
    '[.intervals[] | .sum.bytes * 8 <= 100e6 * .sum.seconds + 16 * 1048576] | all' "$out"
jq -c '[.intervals[] | {s: .start, e: .end, mbit: (.sum.bits_per_second / 1e6 | floor)}]' "$out"
check "30M: each interval's rate is its bytes over its span" \
    '[.intervals[] | select(.sum.seconds > 0) | ((.sum.bits_per_second - .sum.bytes * 8 / .sum.seconds) | fabs) < 1] | all' "$out"
check "30M: the intervals tile the window" \
    '(.intervals | last | .end) as $e | ($e - .end.sum.seconds | fabs) < 0.05' "$out"
# 3. A sender blocked on its full socket buffer while the receiver still drains it slowly is
# busy, not stalled: at 2 Mbit/s the buffer takes seconds to drain, longer than
# --stall-timeout. The old client ended when its sender looked stalled and then gave up
# waiting for the agent, which was still receiving ("agent sent no results in time", exit 3).
ip netns exec "$NS_A" tc qdisc change dev "$VA" root tbf rate 2mbit burst 32kbit latency 100ms
out=$TL_TMP/slow.json
inA "$TCPLAB" stream "$ADDR_B" -p "$PORT" -n 20M --max-time 4 --stall-timeout 1s --json >"$out" 2>"$TL_TMP/slow.err"
rc=$?
[ $rc -eq 1 ] && pass "slow drain: exit 1 (incomplete), not a runtime error" || { fail "slow drain: exit $rc"; cat "$TL_TMP/slow.err"; }
check "slow drain: both ends' results, cut by --max-time, nothing stalled at the receiver"     '.error == null and .end.incomplete_reason == "max-time" and .end.stalled_flows == 0 and .end.sum.seconds > 3.8' "$out"
jq -c '[.intervals[] | {s: .start, e: .end, mbit: (.sum.bits_per_second / 1e6 | floor)}]' "$out"
finish
