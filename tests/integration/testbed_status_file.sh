#!/usr/bin/env bash
# testbed status and router status with --json-file FILE (list too): the table on standard output and the
# JSON document in FILE come from one reading of the forwarder (while pings flow, the packet
# counts in both are the same), FILE is valid against the command's schema in docs/, also
# when the command fails ({"error"}), and --json-file is refused where it has no meaning. And
# the control socket's frame limit, judged from the length before any body is read.
. "$(dirname "$0")/testbed_lib.sh"

DOCS=$(cd "${TESTS_DIR:-$(dirname "$0")/..}/.." && pwd)/docs
tl_schema_python

# valid SCHEMA FILE: FILE is one JSON document valid against docs/SCHEMA.schema.json.
valid() {
    "$PY" - "$DOCS/$1.schema.json" "$2" <<'EOF'
import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
errs = list(jsonschema.Draft202012Validator(s).iter_errors(json.load(open(sys.argv[2]))))
for e in errs[:3]:
    print("  at /%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:200]))
sys.exit(1 if errs else 0)
EOF
}

# same_counts TABLE FILE LABEL_FWD LABEL_REV: the PKTS IN column of both directions in the
# table equals .fwd/.rev.stats.pkts_in in FILE.
same_counts() {
    local t_fwd t_rev j_fwd j_rev
    t_fwd=$(awk -v l="$3" 'index($0, l) == 1 { print }' "$1" | grep -oE '[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ [KMG]?i?B ' | awk '{ print $1 }')
    t_rev=$(awk -v l="$4" 'index($0, l) == 1 { print }' "$1" | grep -oE '[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ [KMG]?i?B ' | awk '{ print $1 }')
    j_fwd=$(jq .fwd.stats.pkts_in "$2")
    j_rev=$(jq .rev.stats.pkts_in "$2")
    SEEN="table $t_fwd/$t_rev, file $j_fwd/$j_rev"
    [ -n "$t_fwd" ] && [ "$t_fwd" = "$j_fwd" ] && [ "$t_rev" = "$j_rev" ]
}

T=t$$f
tb_up "$T" --rtt 2ms --rate 100mbit
RCV=$(tb_addr "$T" rcv)
# Pings all along: the counts move between any two readings.
"$TCPLAB" testbed exec "$T" snd1 -- ping -n -q -i 0.01 -w 30 "$RCV" >/dev/null 2>&1 &
TL_PIDS+=("$!")
sleep 0.3

"$TCPLAB" testbed status "$T" --json-file "$TL_TMP/tb.json" >"$TL_TMP/tb.txt" 2>"$TL_TMP/tb.err"
rc=$?
[ $rc = 0 ] && grep -q '^DIRECTION ' "$TL_TMP/tb.txt" && grep -q '^delay 1 ms each way (RTT 2 ms before queueing' "$TL_TMP/tb.txt" &&
    pass "testbed status --json-file: exit 0, the table on stdout" || fail "testbed status --json-file: exit $rc, $(head -c 300 "$TL_TMP/tb.txt" "$TL_TMP/tb.err")"
valid testbed-status "$TL_TMP/tb.json" && [ "$(jq -r .name "$TL_TMP/tb.json")" = "$T" ] &&
    pass "the file is testbed status's document, valid against its schema" || fail "the file: $(head -c 300 "$TL_TMP/tb.json")"
same_counts "$TL_TMP/tb.txt" "$TL_TMP/tb.json" "snd->rcv" "rcv->snd" &&
    pass "table and file from one reading ($SEEN packets in)" || fail "table and file differ: $SEEN"
grep -q "forwarder $(jq .pid "$TL_TMP/tb.json"), up " "$TL_TMP/tb.txt" && pass "the same forwarder pid in both" ||
    fail "pid: $(head -1 "$TL_TMP/tb.txt") vs $(jq .pid "$TL_TMP/tb.json")"

# --json and --json-file together: the same document twice.
"$TCPLAB" testbed status "$T" --json --json-file "$TL_TMP/tb2.json" >"$TL_TMP/tb2.out" 2>&1
cmp -s "$TL_TMP/tb2.out" "$TL_TMP/tb2.json" && pass "--json and --json-file: the same bytes" ||
    fail "--json and --json-file differ"

# Failures: no such testbed (exit 1, {"error"} in the file), a path that cannot be written,
# and --json-file where it has no meaning (exit 2 both).
"$TCPLAB" testbed status nosuch$$ --json-file "$TL_TMP/missing.json" >"$TL_TMP/missing.txt" 2>&1
rc=$?
[ $rc = 1 ] && valid testbed-status "$TL_TMP/missing.json" && jq -e '.error | test("nosuch")' "$TL_TMP/missing.json" >/dev/null &&
    pass "no such testbed: exit 1, {\"error\"} in the file, valid" || fail "no such testbed: exit $rc, $(head -c 300 "$TL_TMP/missing.json")"
out=$("$TCPLAB" testbed status "$T" --json-file /nonexistent/dir/x.json 2>&1)
rc=$?
[ $rc = 2 ] && echo "$out" | grep -q '/nonexistent/dir/x.json' && pass "an unwritable --json-file: exit 2, named ($out)" ||
    fail "unwritable --json-file: exit $rc, $out"
# list takes it too (up, set and down as well: json_schemas): the table and the array
"$TCPLAB" testbed list --json-file "$TL_TMP/list.json" >"$TL_TMP/list.txt" 2>&1
rc=$?
[ $rc = 0 ] && grep -q "^$T " "$TL_TMP/list.txt" && jq -e --arg n "$T" 'any(.[]; .name == $n)' "$TL_TMP/list.json" >/dev/null &&
    pass "testbed list --json-file: the table on stdout, the array in the file" ||
    fail "list --json-file: exit $rc, $(head -c 300 "$TL_TMP/list.txt")"
# The router's forwarding run answers nothing: --json-file has no meaning there (exit 2, and
# no interface is touched: the refusal comes first).
out=$("$TCPLAB" router --in nsa$$ --out nsb$$ --json-file "$TL_TMP/run.json" 2>&1)
rc=$?
[ $rc = 2 ] && echo "$out" | grep -q -- '--json-file' && [ ! -e "$TL_TMP/run.json" ] &&
    pass "router (forwarding) --json-file: exit 2 ($out)" || fail "router --json-file: exit $rc, $out"

# The control socket's limit, end to end: a frame that claims more than 64 KiB is answered
# with an error from its 4-byte length alone (the body is never sent), and a request frame
# that arrives in pieces is answered whole.
ctl=${TCPLAB_TESTBED_DIR:-/run/tcplab/testbed}/$T/ctl.sock
out=$("$PY" - "$ctl" <<'PYEOF'
import json, socket, struct, sys, time
def answer(s):
    s.settimeout(5)
    buf = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        buf += c
    n = struct.unpack(">I", buf[:4])[0]
    assert n == len(buf) - 4, (n, len(buf))
    return json.loads(buf[4:])
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(struct.pack(">I", 1 << 20))
big = answer(s)
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
req = json.dumps({"v": 1, "cmd": "ping"}).encode()
frame = struct.pack(">I", len(req)) + req
for i in range(len(frame)):
    s.send(frame[i:i + 1]); time.sleep(0.002)
ping = answer(s)
print(json.dumps({"big": big, "ping": ping}))
PYEOF
)
echo "$out" | jq -e '(.big.error | test("1048576")) and .ping.ok == true' >/dev/null &&
    pass "control socket: a 1 MiB frame refused from its length, a request sent byte by byte answered ($(echo "$out" | jq -c .big))" ||
    fail "control socket: $out"

# router status: a router between two veth pairs in a namespace of our own, pinging across.
RNS=tlsf$$
export TCPLAB_ROUTER_DIR=$TL_TMP/routers
rt_pid=
rt_down() {
    [ -n "$rt_pid" ] && kill "$rt_pid" 2>/dev/null && wait "$rt_pid" 2>/dev/null
    rt_pid=
    ip netns del "$RNS" 2>/dev/null
    ip netns del "${RNS}a" 2>/dev/null
    ip netns del "${RNS}b" 2>/dev/null
}
trap 'rt_down; tb_cleanup' EXIT
if ip netns add "$RNS" && ip netns add "${RNS}a" && ip netns add "${RNS}b" &&
    ip -n "$RNS" link add fa$$ type veth peer name pa$$ netns "${RNS}a" &&
    ip -n "$RNS" link add fb$$ type veth peer name pb$$ netns "${RNS}b" &&
    ip -n "${RNS}a" addr add 10.251.7.1/24 dev pa$$ && ip -n "${RNS}b" addr add 10.251.7.2/24 dev pb$$; then
    for i in fa$$ fb$$; do ip -n "$RNS" link set "$i" up; done
    ip -n "${RNS}a" link set pa$$ up; ip -n "${RNS}b" link set pb$$ up
    ip netns exec "$RNS" "$TCPLAB" router --in fa$$ --out fb$$ --name rf$$ --rate 50mbit --rtt 4ms \
        >"$TL_TMP/rt.out" 2>"$TL_TMP/rt.err" &
    rt_pid=$!
    for _ in $(seq 1 100); do
        ip netns exec "$RNS" "$TCPLAB" router status --name rf$$ --json >/dev/null 2>&1 && break
        sleep 0.1
    done
    ip netns exec "${RNS}a" ping -n -q -i 0.01 -w 20 10.251.7.2 >/dev/null 2>&1 &
    TL_PIDS+=("$!")
    sleep 0.3
    ip netns exec "$RNS" "$TCPLAB" router status --name rf$$ --json-file "$TL_TMP/rt.json" >"$TL_TMP/rt.txt" 2>"$TL_TMP/rt.st.err"
    rc=$?
    [ $rc = 0 ] && grep -q '1-WAY DLY' "$TL_TMP/rt.txt" && grep -q '^delay 2 ms each way (RTT 4 ms before queueing)' "$TL_TMP/rt.txt" &&
        pass "router status --json-file: exit 0, the table says the delay is one-way" ||
        fail "router status --json-file: exit $rc, $(head -c 400 "$TL_TMP/rt.txt" "$TL_TMP/rt.st.err")"
    valid router-status "$TL_TMP/rt.json" && [ "$(jq -r .router.name "$TL_TMP/rt.json")" = "rf$$" ] &&
        pass "the file is router status's document, valid against its schema" || fail "router file: $(head -c 300 "$TL_TMP/rt.json")"
    same_counts "$TL_TMP/rt.txt" "$TL_TMP/rt.json" "in->out" "out->in" && [ "$(jq .fwd.stats.pkts_in "$TL_TMP/rt.json")" -gt 0 ] &&
        pass "router: table and file from one reading ($SEEN packets in)" || fail "router: table and file differ: $SEEN"
    ip netns exec "$RNS" "$TCPLAB" router status --name nosuch$$ --json-file "$TL_TMP/rt_missing.json" >/dev/null 2>&1
    rc=$?
    [ $rc = 1 ] && valid router-status "$TL_TMP/rt_missing.json" && pass "no such router: exit 1, {\"error\"} in the file, valid" ||
        fail "no such router: exit $rc, $(head -c 300 "$TL_TMP/rt_missing.json")"
else
    fail "router: namespaces $RNS* and their veth pairs could not be made"
fi
rt_down
finish
