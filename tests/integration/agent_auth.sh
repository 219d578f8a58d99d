#!/usr/bin/env bash
# Authentication end to end: `tcplab keygen` keys, `serve --authorized-keys`, the
# client's key from TCPLAB_KEY. A right key passes; a wrong key, no key, a client that does not
# authenticate, a replayed transcript, a relayed handshake and a truncated one are refused with
# one clear line and no test. Without keys the agent stays on loopback unless --no-auth.
. "$(dirname "$0")/lib.sh"
PEER=$(dirname "$0")/agent_peer.py
py() { timeout 40 /usr/bin/python3 "$PEER" "$@"; }
"$TCPLAB" keygen -f "$TL_TMP/good" >/dev/null || fail "keygen: exit $?"
"$TCPLAB" keygen -f "$TL_TMP/other" -C "someone else" >/dev/null || fail "keygen 2: exit $?"
[ "$(stat -c %a "$TL_TMP/good")" = 600 ] && pass "keygen: private key mode 0600" || fail "keygen: mode $(stat -c %a "$TL_TMP/good")"
grep -q '^tcplab-ed25519 [0-9a-f]\{64\} someone else$' "$TL_TMP/other.pub" && pass "keygen: one public line with its comment" \
    || fail "keygen: $(cat "$TL_TMP/other.pub")"
"$TCPLAB" keygen -f "$TL_TMP/good" >/dev/null 2>"$TL_TMP/again.err"; rc=$?
[ $rc = 3 ] && grep -q "exists already" "$TL_TMP/again.err" && pass "keygen: an existing key is kept" || fail "keygen again: exit $rc"
{ echo "# the lab's clients"; cat "$TL_TMP/good.pub"; } >"$TL_TMP/authorized"
start_agent --authorized-keys "$TL_TMP/authorized" --handshake-timeout 2s
grep -q "clients must authenticate: 1 key" "$TL_TMP/agent.out" && pass "serve: says it authenticates" || fail "serve: $(cat "$TL_TMP/agent.out")"
tests_run() { grep -c ": stream forward" "$TL_TMP/agent.log"; }

# right key
TCPLAB_KEY=$TL_TMP/good "$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 --json >"$TL_TMP/right.json" || fail "right key: exit $?"
check "right key: the test runs" '.end.sum.bytes > 0' "$TL_TMP/right.json"
n=$(tests_run)
# wrong key
TCPLAB_KEY=$TL_TMP/other "$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 --json >"$TL_TMP/wrong.json" 2>/dev/null
check "wrong key: refused, the key named" '.error | test("is not in this agent.s --authorized-keys")' "$TL_TMP/wrong.json"
# no key
TCPLAB_KEY=$TL_TMP/nosuchkey "$TCPLAB" stream 127.0.0.1 -p "$AGENT_PORT" -t 1 --json >"$TL_TMP/nokey.json" 2>/dev/null
check "no key: the client says how to make one" '.error | test("tcplab keygen")' "$TL_TMP/nokey.json"

# a real client's TEST, recorded through the proxy at a second agent without keys (loopback)
"$TCPLAB" serve --port 0 --port-file "$TL_TMP/plain.port" >/dev/null 2>&1 &
plain=$!; TL_PIDS+=("$plain")
for i in $(seq 1 100); do [ -s "$TL_TMP/plain.port" ] && break; sleep 0.05; done
/usr/bin/python3 "$PEER" proxy "$(cat "$TL_TMP/plain.port")" "$TL_TMP/pp" none none x record="$TL_TMP/rec" seconds=15 >/dev/null 2>&1 &
proxy=$!; TL_PIDS+=("$proxy")
for i in $(seq 1 100); do [ -s "$TL_TMP/pp" ] && break; sleep 0.05; done
"$TCPLAB" stream 127.0.0.1 -p "$(cat "$TL_TMP/pp")" -t 1 --json >/dev/null 2>&1 || fail "recording a TEST: exit $?"
kill "$proxy" "$plain"; wait "$proxy" "$plain" 2>/dev/null
[ -s "$TL_TMP/rec.test.json" ] || { fail "no TEST recorded"; finish; }

# the right key through a relay: the relay's addresses differ from the ends'
/usr/bin/python3 "$PEER" proxy "$AGENT_PORT" "$TL_TMP/pp2" none none x seconds=15 >/dev/null 2>&1 &
proxy=$!; TL_PIDS+=("$proxy")
for i in $(seq 1 100); do [ -s "$TL_TMP/pp2" ] && break; sleep 0.05; done
TCPLAB_KEY=$TL_TMP/good "$TCPLAB" stream 127.0.0.1 -p "$(cat "$TL_TMP/pp2")" -t 1 --json >"$TL_TMP/relay.json" 2>/dev/null
kill "$proxy"; wait "$proxy" 2>/dev/null
check "relayed handshake (right key, through a relay): refused" '.error | test("does not match this session")' "$TL_TMP/relay.json"

# a client that skips authentication
py test "$AGENT_PORT" "$TL_TMP/rec.test.json" 3 >"$TL_TMP/skip.out" 2>&1
grep -q "this agent requires authentication: make a key with 'tcplab keygen'" "$TL_TMP/skip.out" \
    && pass "no AUTH: one clear refusal" || fail "no AUTH: $(cat "$TL_TMP/skip.out")"
[ "$(grep -c '^got' "$TL_TMP/skip.out")" = 2 ] && pass "no AUTH: WELCOME then the refusal, nothing else" || fail "no AUTH: $(cat "$TL_TMP/skip.out")"

# the protocol as documented, by an independent implementation: accepted
py auth "$AGENT_PORT" "$TL_TMP/good" "$TL_TMP/rec.test.json" record="$TL_TMP/transcript" >"$TL_TMP/pyauth.out" 2>&1
grep -q "^got ACCEPT" "$TL_TMP/pyauth.out" && pass "independent client with the right key: ACCEPT" || fail "independent client: $(cat "$TL_TMP/pyauth.out")"
# its transcript replayed on a new connection
py replay "$AGENT_PORT" "$TL_TMP/transcript" >"$TL_TMP/replay.out" 2>&1
grep -q "^ERROR.*does not match this session" "$TL_TMP/replay.out" && pass "replayed transcript: refused" \
    || fail "replayed transcript: $(cat "$TL_TMP/replay.out")"
grep -q "^ACCEPT" "$TL_TMP/replay.out" && fail "replayed transcript: got ACCEPT" || pass "replayed transcript: no test"
# truncated: half an AUTH, then silence
py auth "$AGENT_PORT" "$TL_TMP/good" "$TL_TMP/rec.test.json" truncate=1 >"$TL_TMP/trunc.out" 2>&1
grep -q "truncated: got ERROR" "$TL_TMP/trunc.out" && ! grep -q ACCEPT "$TL_TMP/trunc.out" \
    && pass "truncated handshake: refused at the handshake timeout ($(grep -o 'closed_after.*' "$TL_TMP/trunc.out"))" \
    || fail "truncated: $(cat "$TL_TMP/trunc.out")"
[ "$(tests_run)" = "$((n + 1))" ] && pass "only the authenticated clients ran tests" \
    || fail "$(tests_run) tests ran, expected $((n + 1))"

# without keys: loopback by default, and said; elsewhere only with --no-auth
pf=$TL_TMP/port.noauth
"$TCPLAB" serve --port 0 --port-file "$pf" >"$TL_TMP/lo.out" 2>/dev/null &
lo=$!; TL_PIDS+=("$lo")
for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
grep -q "listening on 127.0.0.1:" "$TL_TMP/lo.out" && grep -q "loopback only" "$TL_TMP/lo.out" \
    && pass "no keys: loopback only, and says so" || fail "no keys: $(cat "$TL_TMP/lo.out")"
kill "$lo"; wait "$lo" 2>/dev/null
"$TCPLAB" serve --bind 0.0.0.0 --port 0 >/dev/null 2>"$TL_TMP/any.err"; rc=$?
[ $rc = 2 ] && grep -q "not a loopback address.*--no-auth" "$TL_TMP/any.err" \
    && pass "no keys, --bind 0.0.0.0: refused, --no-auth named" || fail "no keys, 0.0.0.0: exit $rc $(cat "$TL_TMP/any.err")"
"$TCPLAB" serve --authorized-keys "$TL_TMP/good" --port 0 >/dev/null 2>"$TL_TMP/badkeys.err"; rc=$?
[ $rc = 2 ] && grep -q "line 1: not a tcplab public key" "$TL_TMP/badkeys.err" \
    && pass "a private key given as --authorized-keys: refused, line named" || fail "bad keys file: exit $rc"

# --user: root drops to the user after bind
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    pf=$TL_TMP/port.user
    "$TCPLAB" serve --bind 127.0.0.1 --port 0 --port-file "$pf" --user nobody >/dev/null 2>&1 &
    u=$!; TL_PIDS+=("$u")
    for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
    uid=$(awk '/^Uid:/ {print $2 "," $3 "," $4 "," $5}' /proc/"$u"/status)
    want=$(id -u nobody)
    [ "$uid" = "$want,$want,$want,$want" ] && pass "--user nobody: every uid is $want" || fail "--user: uids $uid"
    "$TCPLAB" stream 127.0.0.1 -p "$(cat "$pf")" -t 1 --json >"$TL_TMP/user.json" || fail "--user: exit $?"
    check "--user nobody: still serves" '.end.sum.bytes > 0' "$TL_TMP/user.json"
fi
finish
