#!/usr/bin/env bash
# Bad input: each names the value and the fix, exits 2; JSON stays JSON; help and version.
. "$(dirname "$0")/lib.sh"

expect_error() { # $1 = substring expected in stderr; rest = arguments
    local want=$1; shift
    local err rc
    err=$("$TCPLAB" "$@" 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 2 ] && echo "$err" | grep -qF -- "$want"; then
        pass "tcplab $* -> $want"
    else
        fail "tcplab $*: exit $rc, message: $err"
    fi
}
expect_error '--time "3x": not a duration' stream -t 3x 127.0.0.1
expect_error '--flows "0": out of range' stream -P 0 127.0.0.1
expect_error 'ambiguous' stream --pacing 100mbps 127.0.0.1
expect_error 'unit "MB" is not a rate' stream --pacing 100MB 127.0.0.1
expect_error '--time and --bytes cannot be used together' stream -t 1 -n 1M 127.0.0.1
expect_error '--reverse and --bidir cannot be used together' stream -R --bidir 127.0.0.1
expect_error 'no HOST given' stream -t 1
expect_error 'not available here (available:' stream --cc nosuchcc 127.0.0.1
expect_error 'write NAME:COUNT' stream --cc cubic:2,bbr 127.0.0.1
expect_error 'unknown part "colour"' stream --group count=1,colour=red 127.0.0.1
expect_error '--port "70000": not a port' stream -p 70000 127.0.0.1
expect_error '--max-tests "x": not a whole number' serve --max-tests x
expect_error 'no command "strem"' strem
expect_error '--router "a/b@h": write NAME or NAME@HOST[:PORT]' stream --router a/b@h 127.0.0.1
expect_error '--router "h:0": not a port after' stream --router r1@h:0 127.0.0.1
expect_error '--testbed and --router cannot be used together' stream --testbed t1 --router r1 127.0.0.1

out=$("$TCPLAB" stream 127.0.0.1 -t 3x --json 2>/dev/null)
echo "$out" | jq -e '.error | test("not a duration")' >/dev/null && pass "--json: usage error is a JSON document, wherever --json stands" \
    || fail "--json usage error: $out"

# nothing listening: a clear connect error, JSON still valid, exit 3
port=$(( 20000 + RANDOM % 20000 ))
out=$("$TCPLAB" stream 127.0.0.1 -p $port -t 1 --json 2>/dev/null); rc=$?
[ $rc -eq 3 ] && echo "$out" | jq -e '.error | test("Connection refused")' >/dev/null \
    && pass "refused: JSON error, exit 3" || fail "refused: exit $rc, $out"

"$TCPLAB" --help | grep -q stream && pass "--help lists commands" || fail "--help"
"$TCPLAB" help stream | grep -q -- "--flows" && pass "help stream" || fail "help stream"
"$TCPLAB" stream --help | grep -q -- "--verify" && pass "stream --help" || fail "stream --help"
"$TCPLAB" --version | grep -q '^tcplab ' && pass "--version" || fail "--version"
finish
