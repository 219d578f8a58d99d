#!/usr/bin/env bash
# Log injection: a client's ERROR text was logged raw, so it could forge log
# lines and send terminal escapes. Every control character is now escaped and the line capped.
. "$(dirname "$0")/lib.sh"
PEER=$(dirname "$0")/agent_peer.py
start_agent
printf 'bye\n%s test 99 from 10.0.0.1 done\r\033[2J\033[31mred\302\233K' "$(date +%H:%M:%S)" >"$TL_TMP/evil.txt"
/usr/bin/python3 "$PEER" error "$AGENT_PORT" "$TL_TMP/evil.txt"
head -c 4000 /dev/zero | tr '\0' 'x' >"$TL_TMP/long.txt"
/usr/bin/python3 "$PEER" error "$AGENT_PORT" "$TL_TMP/long.txt"
sleep 0.3
grep -q "test 99 from 10.0.0.1 done" "$TL_TMP/agent.log" || fail "the injected text is not in the log at all"
grep -q "^[0-9:]* test 99 from 10.0.0.1 done" "$TL_TMP/agent.log" && fail "a forged line starts a log line" \
    || pass "no forged line: the newline is escaped"
grep -q 'bye\\x0a' "$TL_TMP/agent.log" && pass "newline shown as \\x0a" || fail "newline not escaped"
LC_ALL=C grep -q $'\033' "$TL_TMP/agent.log" && fail "an ESC byte reached the log" || pass "no ESC byte in the log"
LC_ALL=C grep -q $'\r' "$TL_TMP/agent.log" && fail "a CR reached the log" || pass "no CR in the log"
LC_ALL=C grep -q $'\302\233' "$TL_TMP/agent.log" && fail "a C1 CSI reached the log" || pass "no C1 control in the log"
longest=$(awk '{ if (length($0) > m) m = length($0) } END {print m}' "$TL_TMP/agent.log")
[ "$longest" -le 420 ] && pass "lines capped ($longest bytes at most for a 4000-byte text)" || fail "a $longest-byte line"
grep -q 'xxx\.\.\.$' "$TL_TMP/agent.log" && pass "a cut line ends with ..." || fail "the cut is not marked"
finish
