#!/usr/bin/env bash
# Bad input to tcplab router gets one clear line naming it, and changes nothing: an
# interface that does not exist, the same interface twice, an interface that holds the
# host's default route (unless --force), a bad link option, set/status of no router,
# --testbed with what does not go with it, list with a name, an option it does not take or a
# bad --remote.
. "$(dirname "$0")/router_lib.sh"

rt_setup
before=$(if_state "$IF_IN")
rtr() { ip netns exec "$NS_M" "$TCPLAB" router "$@"; }

# one_line WHAT EXPECTED-CODE PATTERN CMD...: the command fails with that exit status and
# exactly one line on stderr matching PATTERN.
one_line() {
    local what=$1 want=$2 pat=$3; shift 3
    local out rc
    out=$("$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" = "$want" ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && printf '%s' "$out" | grep -q -- "$pat"; then
        pass "$what: $out"
    else
        fail "$what: exit $rc (want $want): $out"
    fi
}

one_line "an interface that does not exist" 2 "\"nosuch$$\": no such interface" \
    rtr --in "$IF_IN" --out nosuch$$
one_line "the same interface twice" 2 "same interface \"$IF_IN\"" \
    rtr --in "$IF_IN" --out "$IF_IN"
one_line "only one interface" 2 "give both interfaces" rtr --in "$IF_IN"
one_line "a bad rate" 2 'rate "fast"' rtr --in "$IF_IN" --out "$IF_OUT" --rate fast
one_line "a testbed-only option" 2 'option "--senders": unknown' rtr --in "$IF_IN" --out "$IF_OUT" --senders 2
one_line "a bad name" 2 "name" rtr --in "$IF_IN" --out "$IF_OUT" --name "a/b"
one_line "status without a name" 2 "which router?" rtr status
one_line "status of no router" 1 "no router nosuch" rtr status --name nosuch
one_line "set of no router" 1 "no router nosuch" rtr set --name nosuch --rate 1mbit
one_line "--restore of an interface no router changed" 1 "nothing to restore" rtr --restore "$IF_IN"
# --testbed NAME: a testbed's router, with none of the two-interface form's options.
one_line "--testbed of no testbed" 1 "no testbed nosuch$$" rtr --testbed nosuch$$
one_line "--testbed with a link option" 2 "testbed set" rtr --testbed x$$ --rate 1mbit
one_line "--testbed with --in" 2 "do not go with it" rtr --testbed x$$ --in "$IF_IN"
one_line "--testbed with a bad name" 2 '--testbed "a/b"' rtr --testbed a/b
one_line "--ready-fd without --testbed" 2 "goes with --testbed" rtr --in "$IF_IN" --out "$IF_OUT" --ready-fd 3
one_line "status --testbed" 2 "testbed status" rtr status --testbed x$$
one_line "--remote to start a router" 2 "goes with set, status and list" rtr --in "$IF_IN" --out "$IF_OUT" --remote 127.0.0.1
one_line "--remote with a bad port" 2 '--remote "127.0.0.1:0": not a port after' rtr status --name x --remote 127.0.0.1:0
one_line "--remote with no host" 2 '--remote ":5299": no host' rtr status --name x --remote :5299
# router list: no name, none of the other forms' options; --remote as for set and status
one_line "list with an argument" 2 'unexpected argument "extra-arg" (list takes no name' rtr list extra-arg
one_line "list --remote without a host" 2 'option "--remote" needs a value' rtr list --remote
one_line "list --remote with an empty host" 2 '--remote ":5299": no host before the port (write HOST:PORT)' rtr list --remote :5299
one_line "list --remote with a port out of range" 2 '--remote "host:99999": not a port after the' rtr list --remote host:99999
one_line "list with a link option" 2 'list: --rate does not go with it' rtr list --rate 1mbit
one_line "list with --name" 2 'list: --name does not go with it' rtr list --name x
one_line "list with --flows" 2 'list: --flows does not go with it' rtr list --flows 4
one_line "list with --testbed" 2 'testbed status' rtr list --testbed x
out=$(rtr list --json extra-arg 2>/dev/null); rc=$?
[ $rc = 2 ] && echo "$out" | jq -e '.error | test("unexpected argument \"extra-arg\"")' >/dev/null &&
    pass "list --json with an argument: the error as JSON, exit 2" || fail "list --json extra-arg: exit $rc: $out"
out=$(rtr list 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "no routers (under $TCPLAB_ROUTER_DIR)" ] && pass "list with no router: one line, exit 0" ||
    fail "list with no router: exit $rc: $out"

# The default route: through IF_OUT in the middle namespace (our own), refused without --force.
ip -n "$NS_M" addr add 172.31.$(( $$ % 250 )).2/24 dev "$IF_OUT"
ip -n "$NS_M" route add default via 172.31.$(( $$ % 250 )).1 dev "$IF_OUT" || fail "setup: default route"
one_line "an interface holding the default route" 2 "\"$IF_OUT\" holds this host's default route" \
    rtr --in "$IF_IN" --out "$IF_OUT"
if ip -n "$NS_M" -6 route add default dev "$IF_IN" 2>/dev/null; then
    one_line "an interface holding the IPv6 default route" 2 "\"$IF_IN\" holds this host's default route" \
        rtr --in "$IF_IN" --out "$IF_OUT"
    ip -n "$NS_M" -6 route del default dev "$IF_IN"
else
    echo "note: no IPv6 in the router namespace; the IPv6 default route is not checked"
fi
rt_start --force --rtt 4ms
pass "--force: the router runs on the default route's interface"
rt_stop TERM
[ "$RT_RC" = 0 ] && pass "and stops cleanly" || fail "--force run: exit $RT_RC"

[ "$(if_state "$IF_IN")" = "$before" ] && pass "nothing was changed by the refusals" || fail "interface changed: $(if_state "$IF_IN")"
[ -z "$(ls -A "$TCPLAB_ROUTER_DIR" 2>/dev/null)" ] && pass "no state left under \$TCPLAB_ROUTER_DIR" || fail "left: $(ls -A "$TCPLAB_ROUTER_DIR")"
finish
