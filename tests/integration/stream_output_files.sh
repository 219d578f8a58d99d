#!/usr/bin/env bash
# The table and the machine output of one run: --json-file, --json-lines-file and --csv-file
# write beside what stdout shows (stream, rr, crr, probe). And a test that never ran prints
# its error once, on standard error, with no summary of zero bytes, while the JSON stays complete.
. "$(dirname "$0")/lib.sh"
start_agent
d=$TL_TMP

"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 -i 0.5 --json-file "$d/s.json" --json-lines-file "$d/s.jsonl" \
    --csv-file "$d/s.csv" >"$d/s.txt" 2>"$d/s.err" || fail "stream with files: exit $?"
grep -q "^Total: " "$d/s.txt" && pass "stream: the table on stdout" || fail "stream: no table"
check "stream: the JSON file is the run's document" '.end.sum.bytes > 0 and (.intervals | length) >= 2' "$d/s.json"
# one run: the JSON lines' end event and the CSV's end row carry the JSON document's numbers
[ "$(jq -c 'select(.event == "end") | .data.sum.bytes' "$d/s.jsonl")" = "$(jq '.end.sum.bytes' "$d/s.json")" ] \
    && pass "stream: JSON lines and JSON from the same run" || fail "stream: JSON lines differ"
[ "$(grep '^end_sum' "$d/s.csv" | cut -d, -f7)" = "$(jq '.end.sum.bytes' "$d/s.json")" ] \
    && pass "stream: CSV and JSON from the same run" || fail "stream: CSV differs: $(grep '^end_sum' "$d/s.csv")"

for w in rr crr; do
    "$TCPLAB" "$w" 127.0.0.1 -p "$AGENT_PORT" -t 1 --json-file "$d/$w.json" --csv-file "$d/$w.csv" >"$d/$w.txt" \
        || fail "$w with files: exit $?"
    grep -q "^Total: " "$d/$w.txt" && pass "$w: the table on stdout" || fail "$w: no table"
    check "$w: the JSON file" '.end.sum.transactions > 0' "$d/$w.json"
    [ "$(sed -n 2p "$d/$w.csv" | cut -d, -f4)" = "$(jq '.intervals[0].sum.transactions' "$d/$w.json")" ] \
        && pass "$w: CSV and JSON from the same run" || fail "$w: CSV differs"
done

XDG_CACHE_HOME=$d/cache "$TCPLAB" probe 127.0.0.1 -p "$AGENT_PORT" --fresh -t 1s --json-file "$d/p.json" >"$d/p.txt" \
    || fail "probe with --json-file: exit $?"
grep -q "^probe of 127.0.0.1" "$d/p.txt" && pass "probe: the report on stdout" || fail "probe: no report"
check "probe: the JSON file, remembered when its samples agreed" ".probe.rate.bits_per_second > 0 and .origin.saved == .probe.rate.consistent" "$d/p.json"

# A path that cannot be written: refused before the test, naming the path and the option.
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 --json-file "$d/no/such/dir/x.json" >"$d/bad.txt" 2>"$d/bad.err"
rc=$?
[ $rc -eq 2 ] && grep -q 'cannot write ".*no/such/dir/x.json" (--json-file)' "$d/bad.err" \
    && pass "unwritable --json-file: exit 2 with the path" || fail "unwritable --json-file: exit $rc, $(cat "$d/bad.err")"
"$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" --json-file a --json-file b >/dev/null 2>"$d/twice.err"
[ $? -eq 2 ] && grep -q -- "--json-file given twice" "$d/twice.err" && pass "--json-file twice: refused" || fail "--json-file twice"

# A test that never ran (no agent on this port; a name that does not resolve): its error
# once, on standard error, and nothing on stdout (no Total line, no second copy of the
# error); the JSON file complete with the error.
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# never_ran NAME ERROR_TEXT CMD...: exit 3, stdout empty, ERROR_TEXT on exactly one line of stderr.
never_ran() {
    local name=$1 want=$2 cmd=$3 rc n; shift 2
    "$TCPLAB" "$@" >"$d/never.txt" 2>"$d/never.err"
    rc=$?
    [ $rc -eq 3 ] && pass "$name: exit 3" || fail "$name: exit $rc"
    [ ! -s "$d/never.txt" ] && pass "$name: nothing on stdout" || fail "$name: stdout: $(cat "$d/never.txt")"
    n=$(cat "$d/never.txt" "$d/never.err" | grep -c -- "$want")
    [ "$n" = 1 ] && grep -q "^tcplab $cmd: .*$want" "$d/never.err" && pass "$name: the error once, on stderr" ||
        fail "$name: the error $n times: $(cat "$d/never.txt" "$d/never.err")"
}
never_ran "stream, no agent" "control connection to 127.0.0.1:$closed" \
    stream 127.0.0.1 -p "$closed" -t 1 --json-file "$d/never.json"
check "never ran: the JSON document keeps its error" '.error | test("control connection")' "$d/never.json"
never_ran "rr, a name that does not resolve" 'resolve "no-such-host.invalid"' rr no-such-host.invalid -t 1
never_ran "crr, no agent" "control connection to 127.0.0.1:$closed" crr 127.0.0.1 -p "$closed" -t 1
finish
