#!/usr/bin/env bash
# --verify shows what the receiver saw: how many bytes each recv() returned, against what
# each send() took, and says in one line that TCP is a byte stream. Small writes arrive
# merged into larger reads; the counts add up to the calls and the bytes moved.
. "$(dirname "$0")/lib.sh"
start_agent

out=$TL_TMP/small.json
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -n 10M -l 1000 --verify --json >"$out" || fail "small writes: exit $?"
check "send(): every call took at most the 1000-byte write (bucket 512..1023), 10486 or more calls" \
    '.end.verify.io_sizes | .write_size == 1000 and ([.send.buckets[] | .max <= 1023] | all) and .send.calls >= 10486 and ([.send.buckets[].count] | add) == .send.calls' "$out"
check "recv(): reads larger than one write (the writes merged: no message boundaries)" \
    '.end.verify.io_sizes.recv | ([.buckets[] | .max] | max) > 1023 and .calls < 10486 and .bytes == 10485760' "$out"
check "the sizes are consistent with the bytes: calls x smallest <= bytes <= calls x largest" \
    '.end.verify.io_sizes.recv as $r | ([$r.buckets[] | .min * .count] | add) <= $r.bytes and ([$r.buckets[] | .max * .count] | add) >= $r.bytes' "$out"

out=$TL_TMP/table.txt
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -n 4M -l 64K --verify >"$out" || fail "table: exit $?"
grep -q "^  recv(): [0-9]* calls of " "$out" && grep -q "^  send(): [0-9]* calls of .*writes of up to 64.0 KiB (--length)" "$out" \
    && pass "table: the send() and recv() lines" || { fail "table"; cat "$out"; }
grep -q "TCP is a byte stream: .* a protocol of messages must frame them" "$out" \
    && pass "table: the byte-stream line" || fail "table: no byte-stream line"

out=$TL_TMP/plain.json
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -n 1M --json >"$out" || fail "no verify: exit $?"
check "without --verify: no call sizes (the data path counts nothing extra)" '.end.verify == null' "$out"
finish
