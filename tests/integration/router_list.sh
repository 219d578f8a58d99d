#!/usr/bin/env bash
# tcplab router list: the routers of a host, here and through its agent (router_lib.sh's
# namespaces; a second router on two more veth pairs in the router's namespace). Both run and
# are listed sorted by name with their interfaces, pid and settings; an agent with
# --authorized-keys answers `list --remote` with the same document for an authorized key and
# refuses another; after SIGKILL a router is listed as stopped with the command that restores
# it, and after that --restore it is gone; once every router ended the list is empty.
. "$(dirname "$0")/router_lib.sh"
command -v cmp >/dev/null || { echo "skip: cmp missing"; exit 77; }

rt_setup
# the second router's cables: two veth pairs whose other ends stay in the router's namespace
IF2_IN=la$$$RT_TAG; IF2_OUT=lb$$$RT_TAG
ip -n "$NS_M" link add "$IF2_IN" type veth peer name "p$IF2_IN" &&
    ip -n "$NS_M" link add "$IF2_OUT" type veth peer name "p$IF2_OUT" || { echo "FAIL: second veth pairs"; exit 1; }
for i in "$IF2_IN" "p$IF2_IN" "$IF2_OUT" "p$IF2_OUT"; do ip -n "$NS_M" link set "$i" up; done
# its name sorts before RT_NAME (rt...)
RT2_NAME=ab$$$RT_TAG

rt_start --rate 20mbit --rtt 10ms --aqm codel
ip netns exec "$NS_M" "$TCPLAB" router --in "$IF2_IN" --out "$IF2_OUT" --name "$RT2_NAME" \
    >"$TL_TMP/router2.out" 2>"$TL_TMP/router2.err" &
RT2_PID=$!
TL_PIDS+=("$RT2_PID")
for _ in $(seq 1 100); do
    ip netns exec "$NS_M" "$TCPLAB" router status --name "$RT2_NAME" --json >/dev/null 2>&1 && break
    sleep 0.1
done

rl() { ip netns exec "$NS_M" "$TCPLAB" router list "$@"; }

# here: both, sorted, with their interfaces, pid, state and settings
rl --json >"$TL_TMP/l.json" || fail "router list --json: exit $?"
check "list: the two routers, sorted by name" "[.routers[].name] == [\"$RT2_NAME\", \"$RT_NAME\"]" "$TL_TMP/l.json"
check "list: $RT_NAME running on $IF_IN -> $IF_OUT, its pid and settings" \
    ".routers[1] | .in == \"$IF_IN\" and .out == \"$IF_OUT\" and .pid == $RT_PID and .state == \"running\" and
     .rate == \"20mbit\" and .rtt == \"10ms\" and .aqm == \"codel\" and .options.rate == \"20mbit\" and (has(\"restore\") | not)" "$TL_TMP/l.json"
check "list: $RT2_NAME running with the defaults filled in" \
    ".routers[0] | .in == \"$IF2_IN\" and .state == \"running\" and .pid == $RT2_PID and .rate == \"100mbit\" and .rtt == \"40ms\"" "$TL_TMP/l.json"
check "list: nothing cut or skipped, the root named" ".truncated == false and .skipped == 0 and .root == \"$TCPLAB_ROUTER_DIR\"" "$TL_TMP/l.json"
rl --json-file "$TL_TMP/lf.json" >"$TL_TMP/l.txt" || fail "router list (table): exit $?"
grep -Eq "^$RT_NAME +$IF_IN +$IF_OUT +$RT_PID +running +20mbit +10ms +codel$" "$TL_TMP/l.txt" &&
    grep -Eq "^$RT2_NAME +$IF2_IN +$IF2_OUT +$RT2_PID +running " "$TL_TMP/l.txt" &&
    [ "$(head -1 "$TL_TMP/l.txt" | awk '{ print $1, $2, $3, $5 }')" = "NAME IN OUT STATE" ] &&
    cmp -s <(jq -S . "$TL_TMP/lf.json") <(jq -S . "$TL_TMP/l.json") &&
    pass "list: the table, and the same document in --json-file" || { fail "list table:"; cat "$TL_TMP/l.txt"; }

# through the agent on the router's host, on its loopback: the same document
"$TCPLAB" keygen -f "$TL_TMP/good" >/dev/null || fail "keygen: exit $?"
"$TCPLAB" keygen -f "$TL_TMP/other" >/dev/null || fail "keygen 2: exit $?"
cp "$TL_TMP/good.pub" "$TL_TMP/authorized"
ip netns exec "$NS_M" "$TCPLAB" serve --bind 127.0.0.1 --port 0 --port-file "$TL_TMP/port" \
    --authorized-keys "$TL_TMP/authorized" >"$TL_TMP/agent.out" 2>"$TL_TMP/agent.log" &
TL_PIDS+=("$!")
for _ in $(seq 1 100); do [ -s "$TL_TMP/port" ] && break; sleep 0.05; done
[ -s "$TL_TMP/port" ] || { echo "FAIL: agent did not start:"; cat "$TL_TMP/agent.log"; exit 1; }
REMOTE=127.0.0.1:$(cat "$TL_TMP/port")
# remote KEY ARGS...: router list from the same namespace, with no router root of its own
remote() {
    local key=$1
    shift
    ip netns exec "$NS_M" env TCPLAB_KEY="$key" TCPLAB_ROUTER_DIR="$TL_TMP/none" "$TCPLAB" router list --remote "$REMOTE" "$@"
}
remote "$TL_TMP/good" --json >"$TL_TMP/r.json" || fail "list --remote: exit $?"
cmp -s <(jq -S . "$TL_TMP/r.json") <(jq -S . "$TL_TMP/l.json") &&
    pass "list --remote: the same document as on the router's host" ||
    { fail "list --remote differs:"; diff <(jq -S . "$TL_TMP/r.json") <(jq -S . "$TL_TMP/l.json") | head -20; }
remote "$TL_TMP/good" >"$TL_TMP/r.txt" || fail "list --remote (table): exit $?"
grep -Eq "^$RT_NAME +$IF_IN +$IF_OUT +$RT_PID +running " "$TL_TMP/r.txt" && pass "list --remote: the table" ||
    { fail "list --remote table:"; cat "$TL_TMP/r.txt"; }
out=$(remote "$TL_TMP/other" 2>&1); rc=$?
[ $rc = 3 ] && echo "$out" | grep -q "is not in this agent's --authorized-keys" && [ "$(echo "$out" | wc -l)" = 1 ] &&
    pass "list --remote with an unlisted key: refused, exit 3 ($out)" || fail "unlisted key: exit $rc: $out"
grep -q "router list from 127.0.0.1" "$TL_TMP/agent.log" && pass "the agent logs the list it answered" ||
    fail "agent log: $(tail -5 "$TL_TMP/agent.log")"

# SIGKILL: the state stays, the process is gone: stopped, with the command that restores it
rt_stop KILL
rl --json >"$TL_TMP/k.json" || fail "router list after SIGKILL: exit $?"
check "after SIGKILL: $RT_NAME stopped, with its restore command; $RT2_NAME still running" \
    ".routers[1] | .name == \"$RT_NAME\" and .state == \"stopped\" and .restore == \"tcplab router --restore $IF_IN\"" "$TL_TMP/k.json"
check "after SIGKILL: $RT2_NAME still running" ".routers[0].state == \"running\"" "$TL_TMP/k.json"
rl >"$TL_TMP/k.txt" || fail "router list (table) after SIGKILL: exit $?"
grep -Eq "^$RT_NAME +$IF_IN +$IF_OUT +$RT_PID +stopped " "$TL_TMP/k.txt" &&
    grep -q "^$RT_NAME: stopped without putting $IF_IN and $IF_OUT back (killed?): 'tcplab router --restore $IF_IN' restores them$" "$TL_TMP/k.txt" &&
    pass "after SIGKILL: the table says stopped and how to restore" || { fail "table after SIGKILL:"; cat "$TL_TMP/k.txt"; }
# The bash completion's router names (for --name) come from this table, its notes lines and all.
comp=$TESTS_DIR/../contrib/bash-completion/tcplab
names=$(ip netns exec "$NS_M" bash -c '. "$1" && _tcplab_router_names "$2"' _ "$comp" "$TCPLAB" | tr '\n' ' ')
[ "$names" = "$RT2_NAME $RT_NAME " ] && pass "bash completion: router names $names" ||
    fail "bash completion's router names: [$names], want [$RT2_NAME $RT_NAME ]"
remote "$TL_TMP/good" --json >"$TL_TMP/rk.json" || fail "list --remote after SIGKILL: exit $?"
cmp -s <(jq -S . "$TL_TMP/rk.json") <(jq -S . "$TL_TMP/k.json") && pass "list --remote after SIGKILL: the same" ||
    fail "list --remote after SIGKILL differs"

# --restore removes what the killed router left: it is no longer listed
ip netns exec "$NS_M" "$TCPLAB" router --restore "$IF_IN" >/dev/null || fail "--restore $IF_IN: exit $?"
rl --json >"$TL_TMP/x.json" || fail "router list after --restore: exit $?"
check "after --restore: only $RT2_NAME is listed" "[.routers[].name] == [\"$RT2_NAME\"]" "$TL_TMP/x.json"

# the last one ends normally: an empty list (exit 0), here and there
kill -TERM "$RT2_PID"
wait "$RT2_PID"
rc=$?
keep=()
for p in "${TL_PIDS[@]}"; do [ "$p" = "$RT2_PID" ] || keep+=("$p"); done
TL_PIDS=("${keep[@]}")
[ $rc = 0 ] || fail "$RT2_NAME: exit $rc on SIGTERM"
rl >"$TL_TMP/e.txt"; rc=$?
[ $rc = 0 ] && [ "$(cat "$TL_TMP/e.txt")" = "no routers (under $TCPLAB_ROUTER_DIR)" ] &&
    pass "no router left: 'no routers', exit 0" || fail "empty list: exit $rc: $(cat "$TL_TMP/e.txt")"
remote "$TL_TMP/good" --json >"$TL_TMP/re.json" || fail "list --remote, empty: exit $?"
check "list --remote, empty: no routers" '.routers == [] and .skipped == 0' "$TL_TMP/re.json"
finish
