#!/usr/bin/env bash
# Every command's real --json output validated against its schema in docs/ (JSON Schema draft
# 2020-12, python3-jsonschema from Debian): rr, crr, probe, farm, mesh, doctor, exp export, testbed
# up/set/list/down, testbed status, router status and router list, each on success and on at least one failure (refused connection, usage error, no
# such testbed), whose document must stay valid JSON of the documented shape. Then each schema
# rejects a document with an undocumented field and one with a required field removed.
# The testbed and router parts need root (network namespaces); without it, it is skipped and said so.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 77; }

DOCS=$(cd "${TESTS_DIR:-$(dirname "$0")/..}/.." && pwd)/docs

tl_schema_python

# validate.py DOCS MANIFEST: each manifest line is "SCHEMA FILE [mutants]". Every schema must be a
# valid draft 2020-12 schema and every FILE valid against docs/SCHEMA.schema.json; with
# "mutants", the same document with an undocumented field at the top, or in its first nested
# closed object, or with its first (required) top-level field removed, must be rejected.
# One process for all: python's start-up is slow on a loaded machine. Prints ok:/FAIL: lines; exits with the failure count.
cat >"$TL_TMP/validate.py" <<'PYEOF'
import json, sys
import jsonschema
docs, manifest = sys.argv[1], sys.argv[2]
validators, fails = {}, 0
def report(ok, what):
    global fails
    print(("ok: " if ok else "FAIL: ") + what)
    fails += 0 if ok else 1
def errors(schema, doc):
    return list(validators[schema].iter_errors(doc))
# Objects whose keys are data or depend on the configuration: open in the schemas.
OPEN = {"sysctls", "TcpExt", "states", "options", "queue", "loss"}
def nested(v, path):
    """The first closed object below the top: (path, object)."""
    items = v.items() if isinstance(v, dict) else enumerate(v) if isinstance(v, list) else []
    for k, x in items:
        if k in OPEN:
            continue
        p = "%s/%s" % (path, k)
        if isinstance(x, dict):
            return p, x
        found = nested(x, p)
        if found:
            return found
    return None
for line in open(manifest):
    schema, path, *flags = line.split()
    if schema not in validators:
        s = json.load(open("%s/%s.schema.json" % (docs, schema)))
        jsonschema.Draft202012Validator.check_schema(s)
        validators[schema] = jsonschema.Draft202012Validator(s)
        report(True, "%s.schema.json is a valid draft 2020-12 schema" % schema)
    name = path.rsplit("/", 1)[-1]
    doc = json.load(open(path))
    errs = errors(schema, doc)
    report(not errs, "%s: %s against %s.schema.json" % (name, "valid" if not errs else "NOT valid", schema))
    for e in errs[:5]:
        print("  at /%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message[:300]))
        for c in sorted(e.context or [], key=lambda c: len(c.absolute_path), reverse=True)[:3]:
            print("    (branch) at /%s: %s" % ("/".join(str(p) for p in c.absolute_path), c.message[:200]))
    if "mutants" in flags:
        extra = dict(doc, undocumented_field=1)
        report(errors(schema, extra), "%s: an undocumented field is rejected" % name)
        deep = json.loads(json.dumps(doc))
        where = nested(deep, "")
        if where is None:
            report(False, "%s: no nested object to add a field to" % name)
        else:
            where[1]["undocumented_field"] = 1
            report(errors(schema, deep), "%s: an undocumented field in %s is rejected" % (name, where[0]))
        missing = dict(doc)
        del missing[next(iter(doc))]
        report(errors(schema, missing), "%s: without its required field %s it is rejected" % (name, next(iter(doc))))
sys.exit(min(fails, 100))
PYEOF

# run SCHEMA NAME EXPECTED_EXIT CMD...: runs CMD (stdout to $TL_TMP/NAME), checks its exit
# status, that stdout is one JSON document, and that the document is valid against SCHEMA.
run() {
    local schema=$1 name=$2 want=$3 rc t0=$SECONDS
    shift 3
    timeout -k 5 90 "$@" >"$TL_TMP/$name" 2>"$TL_TMP/$name.err"
    rc=$?
    # A run that should succeed but could not finish (exit 3: on a loaded machine the agent's
    # results can come too late) gets one more try: the schema of its error document is
    # checked here anyway, the success document is what this run is for.
    if [ "$want" -eq 0 ] && [ "$rc" -eq 3 ]; then
        echo "note: $name: exit 3 ($(head -c 200 "$TL_TMP/$name.err")); once more"
        mv "$TL_TMP/$name" "$TL_TMP/$name.first"
        echo "$schema $TL_TMP/$name.first" >>"$TL_TMP/manifest"
        timeout -k 5 90 "$@" >"$TL_TMP/$name" 2>"$TL_TMP/$name.err"
        rc=$?
    fi
    if [ "$rc" -eq "$want" ]; then
        pass "$name: exit $rc ($((SECONDS - t0)) s)"
    else
        fail "$name: exit $rc, expected $want"
        head -c 600 "$TL_TMP/$name.err"; echo
    fi
    if ! jq -e 'type == "object"' "$TL_TMP/$name" >/dev/null 2>&1; then
        fail "$name: stdout is not one JSON object"
        head -c 600 "$TL_TMP/$name"; echo
        return
    fi
    echo "$schema $TL_TMP/$name" >>"$TL_TMP/manifest"
}

# mutants SCHEMA NAME: the document of NAME is also checked with a field added and one removed.
mutants() {
    echo "$1 $TL_TMP/$2 mutants" >>"$TL_TMP/manifest"
}

export XDG_CACHE_HOME=$TL_TMP/cache
start_agent --max-duration 1h
# 127.0.0.2 is loopback too, but the agent is bound to 127.0.0.1 only: a refused connection.
P=$AGENT_PORT

run rr rr_ok 0 "$TCPLAB" rr 127.0.0.1 -p "$P" -P 2 -T 2 -t 1 -i 250ms --json
check "rr: four intervals of two flows and a latency histogram" \
    '(.intervals | length) >= 3 and (.end.streams | length) == 2 and .end.latency_histogram.count > 0' "$TL_TMP/rr_ok"
mutants rr rr_ok
run rr rr_rate 0 "$TCPLAB" rr 127.0.0.1 -p "$P" -t 1 --rate 500 --request 100 --response 1000 -i 0 --json
run rr rr_refused 3 "$TCPLAB" rr 127.0.0.2 -p "$P" -t 1 --json
check "rr refused: start, end and the error" '(.error | test("refused")) and .end.failed_flows == 1' "$TL_TMP/rr_refused"
run rr rr_usage 2 "$TCPLAB" rr 127.0.0.1 -p "$P" -t 3x --json

run crr crr_ok 0 "$TCPLAB" crr 127.0.0.1 -p "$P" -P 2 -t 1 -i 250ms --json
check "crr: connects counted, the port ceiling in start" \
    '.end.sum.connects > 0 and .start.crr.predicted_max_connections_per_second > 0' "$TL_TMP/crr_ok"
mutants crr crr_ok
run crr crr_server 0 "$TCPLAB" crr 127.0.0.1 -p "$P" -t 0.5 --close server --requests-per-conn 3 --json
run crr crr_refused 3 "$TCPLAB" crr 127.0.0.2 -p "$P" -t 1 --json
run crr crr_usage 2 "$TCPLAB" crr --json 127.0.0.1 -p "$P" --rate x

run probe probe_ok 0 "$TCPLAB" probe 127.0.0.1 -p "$P" --fresh --json
check "probe: a rate and advice" '.probe.rate.bits_per_second > 0 and .advice.sndbuf_request > 0' "$TL_TMP/probe_ok"
mutants probe probe_ok
run probe probe_refused 3 "$TCPLAB" probe 127.0.0.2 -p "$P" --fresh --json
run probe probe_usage 2 "$TCPLAB" probe 127.0.0.1 -p "$P" --json --no-such-option

run farm farm_ok 0 "$TCPLAB" farm --jobs 1000 --batch 100 --workers 2 --json
check "farm: complete and verified" '.complete == true and (.result.verdict | test("OK|PASS|MATCH"; "i"))' "$TL_TMP/farm_ok"
mutants farm farm_ok
run farm farm_compare 0 "$TCPLAB" farm --compare --jobs 400 --workers 2 --json
check "farm --compare: two runs and their summary lines" '(.runs | length) == 2 and (.summary | length) == 2' "$TL_TMP/farm_compare"
run farm farm_refused 3 "$TCPLAB" farm work 127.0.0.2 --port "$P" --workers 1 --json
check "farm refused: the error names the refusal" '(.error | test("refused")) and .complete == false' "$TL_TMP/farm_refused"
run farm farm_usage 2 "$TCPLAB" farm --jobs x --json

run mesh mesh_ok 0 "$TCPLAB" mesh -n 4 -m 2 --hops 400 --json
check "mesh: ok, tokens conserved" '.ok == true and .runs[0].tokens_check.conserved == true' "$TL_TMP/mesh_ok"
mutants mesh mesh_ok
run mesh mesh_time 0 "$TCPLAB" mesh -n 3 -m 1 --time 1s --json
# One rank of two at a rendezvous port nobody else comes to: the wait ends with an error.
run mesh mesh_alone 3 "$TCPLAB" mesh --rank 0 --size 2 --rendezvous "127.0.0.2:$P" --hops 10 --connect-timeout 2s --json
run mesh mesh_usage 2 "$TCPLAB" mesh -n x --json

run doctor doctor_ok 0 "$TCPLAB" doctor --json
check "doctor: findings and a summary" '(.findings | length) > 0 and .summary.worst != null' "$TL_TMP/doctor_ok"
mutants doctor doctor_ok
run doctor doctor_usage 2 "$TCPLAB" doctor --json --no-such-option

if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
    TB=js$$
    tb_down() { "$TCPLAB" testbed down "$TB" >/dev/null 2>&1; }
    trap 'tb_down; tl_cleanup' EXIT
    if "$TCPLAB" testbed up "$TB" --rate 50mbit --rtt 10ms --json >"$TL_TMP/tb_up" 2>"$TL_TMP/tb_up.err"; then
        # up, set, list and down: testbed.schema.json (list is an array of what up printed)
        echo "testbed $TL_TMP/tb_up" >>"$TL_TMP/manifest"
        mutants testbed tb_up
        run testbed tb_set 0 "$TCPLAB" testbed set "$TB" --rate 60mbit --json
        check "testbed set: ok, the new rate in force" '.ok == true and .options.rate == "60mbit"' "$TL_TMP/tb_set"
        run testbed tb_set_usage 2 "$TCPLAB" testbed set "$TB" --rate 60xbit --json
        # --json-file: the text on standard output, the document in the file, from one answer
        if "$TCPLAB" testbed set "$TB" --rate 70mbit --json-file "$TL_TMP/tb_set_file" >"$TL_TMP/tb_set_text" &&
            grep -q "^testbed $TB:" "$TL_TMP/tb_set_text" &&
            jq -e '.ok == true and .options.rate == "70mbit"' "$TL_TMP/tb_set_file" >/dev/null; then
            pass "testbed set --json-file: the text on stdout, the document in the file"
            echo "testbed $TL_TMP/tb_set_file" >>"$TL_TMP/manifest"
        else
            fail "testbed set --json-file: $(head -c 300 "$TL_TMP/tb_set_text" "$TL_TMP/tb_set_file")"
        fi
        if "$TCPLAB" testbed list --json >"$TL_TMP/tb_list" 2>"$TL_TMP/tb_list.err" &&
            jq -e --arg n "$TB" 'type == "array" and any(.[]; .name == $n)' "$TL_TMP/tb_list" >/dev/null; then
            pass "testbed list: an array that holds $TB"
            echo "testbed $TL_TMP/tb_list" >>"$TL_TMP/manifest"
        else
            fail "testbed list --json: $(head -c 300 "$TL_TMP/tb_list" "$TL_TMP/tb_list.err")"
        fi
        run testbed-status tb_status 0 "$TCPLAB" testbed status "$TB" --json
        check "testbed status: running, named" ".running == true and .name == \"$TB\"" "$TL_TMP/tb_status"
        mutants testbed-status tb_status
        run testbed-status tb_series 0 "$TCPLAB" testbed status "$TB" --json --series --flows 4
        # With traffic through the router: the flow tables are filled in.
        rcv=$(jq -r '.hosts[] | select(.name == "rcv") | .addr' "$TL_TMP/tb_up")
        "$TCPLAB" testbed exec "$TB" rcv -- "$TCPLAB" serve --no-auth --port 0 --port-file "$TL_TMP/tb_port" -q \
            >/dev/null 2>"$TL_TMP/tb_agent.err" &
        tb_agent=$!
        TL_PIDS+=("$tb_agent")
        for _ in $(seq 1 100); do [ -s "$TL_TMP/tb_port" ] && break; sleep 0.05; done
        timeout 30 "$TCPLAB" testbed exec "$TB" snd1 -- "$TCPLAB" stream "$rcv" -p "$(cat "$TL_TMP/tb_port")" -t 3 -P 2 \
            >/dev/null 2>&1 &
        tb_stream=$!
        TL_PIDS+=("$tb_stream")
        sleep 1.5
        run testbed-status tb_flows 0 "$TCPLAB" testbed status "$TB" --json --flows 4
        check "testbed status with traffic: flows in the table" '(.fwd.flows | length) >= 1' "$TL_TMP/tb_flows"
        wait "$tb_stream"
        kill "$tb_agent" 2>/dev/null
        wait "$tb_agent" 2>/dev/null
    else
        fail "testbed up $TB: $(head -c 300 "$TL_TMP/tb_up.err")"
    fi
    "$TCPLAB" testbed list --json-file "$TL_TMP/tb_list_file" >"$TL_TMP/tb_list_text" &&
        grep -q "^$TB " "$TL_TMP/tb_list_text" && jq -e --arg n "$TB" 'any(.[]; .name == $n)' "$TL_TMP/tb_list_file" >/dev/null &&
        pass "testbed list --json-file: the table on stdout, the array in the file" ||
        fail "testbed list --json-file: $(head -c 300 "$TL_TMP/tb_list_text")"
    run testbed tb_downdoc 0 "$TCPLAB" testbed down "$TB" --json
    check "testbed down: named, down, nothing left running in it" ".name == \"$TB\" and .down == true and .lingering_pids == []" "$TL_TMP/tb_downdoc"
    tb_down
    run testbed-status tb_missing 1 "$TCPLAB" testbed status "$TB" --json
    run testbed tb_down_missing 1 "$TCPLAB" testbed down "$TB" --json

    # router status: a router between two veth pairs in a namespace of our own (their peers
    # stay there too: nothing needs to pass for the document's shape).
    RNS=tljsr$$
    export TCPLAB_ROUTER_DIR=$TL_TMP/routers
    rt_down() {
        [ -n "${rt_pid:-}" ] && kill "$rt_pid" 2>/dev/null && wait "$rt_pid" 2>/dev/null
        rt_pid=
        ip netns del "$RNS" 2>/dev/null
    }
    trap 'tb_down; rt_down; tl_cleanup' EXIT
    if ip netns add "$RNS" &&
        ip -n "$RNS" link add ja$$ type veth peer name jpa$$ &&
        ip -n "$RNS" link add jb$$ type veth peer name jpb$$; then
        for i in ja$$ jpa$$ jb$$ jpb$$; do ip -n "$RNS" link set "$i" up; done
        ip netns exec "$RNS" "$TCPLAB" router --in ja$$ --out jb$$ --name js$$ --rate 50mbit --rtt 10ms \
            >"$TL_TMP/rt.out" 2>"$TL_TMP/rt.err" &
        rt_pid=$!
        for _ in $(seq 1 100); do
            ip netns exec "$RNS" "$TCPLAB" router status --name js$$ --json >/dev/null 2>&1 && break
            sleep 0.1
        done
        run router-status rt_status 0 ip netns exec "$RNS" "$TCPLAB" router status --name js$$ --json
        check "router status: named, both interfaces" ".router.name == \"js$$\" and .router.in.name == \"ja$$\"" "$TL_TMP/rt_status"
        mutants router-status rt_status
        run router-status rt_flows 0 ip netns exec "$RNS" "$TCPLAB" router status --name js$$ --json --flows 4
        run router-status rt_missing 1 ip netns exec "$RNS" "$TCPLAB" router status --name nosuch$$ --json
        # router set answers as testbed set does (the same request to the same forwarder code)
        run testbed rt_set 0 ip netns exec "$RNS" "$TCPLAB" router set --name js$$ --rate 60mbit --json
        check "router set: ok, the new rate in force" '.ok == true and .options.rate == "60mbit"' "$TL_TMP/rt_set"
        run testbed rt_set_missing 1 ip netns exec "$RNS" "$TCPLAB" router set --name nosuch$$ --rate 60mbit --json
        # router list: here, and the same document from an agent in the router's namespace
        run router-list rt_list 0 ip netns exec "$RNS" "$TCPLAB" router list --json
        check "router list: js$$ running on its interfaces" \
            "any(.routers[]; .name == \"js$$\" and .state == \"running\" and .in == \"ja$$\" and .rate == \"60mbit\")" "$TL_TMP/rt_list"
        mutants router-list rt_list
        run router-list rt_list_empty 0 env TCPLAB_ROUTER_DIR="$TL_TMP/no-routers" "$TCPLAB" router list --json
        run router-list rt_list_usage 2 "$TCPLAB" router list extra --json
        run router-list rt_list_refused 3 "$TCPLAB" router list --remote 127.0.0.2:1 --json
        ip -n "$RNS" link set lo up
        ip netns exec "$RNS" "$TCPLAB" serve --no-auth --bind 127.0.0.1 --port 0 --port-file "$TL_TMP/rt_port" -q \
            >/dev/null 2>"$TL_TMP/rt_agent.err" &
        rt_agent=$!
        TL_PIDS+=("$rt_agent")
        for _ in $(seq 1 100); do [ -s "$TL_TMP/rt_port" ] && break; sleep 0.05; done
        run router-list rt_list_remote 0 ip netns exec "$RNS" env TCPLAB_ROUTER_DIR="$TL_TMP/no-routers" \
            "$TCPLAB" router list --remote "127.0.0.1:$(cat "$TL_TMP/rt_port")" --json
        check "router list --remote: js$$ from the agent" "any(.routers[]; .name == \"js$$\")" "$TL_TMP/rt_list_remote"
        kill "$rt_agent" 2>/dev/null
        wait "$rt_agent" 2>/dev/null
        # killed: listed as stopped, with the command that puts its interfaces back
        kill -KILL "$rt_pid" 2>/dev/null
        wait "$rt_pid" 2>/dev/null
        rt_pid=
        run router-list rt_list_stopped 0 ip netns exec "$RNS" "$TCPLAB" router list --json
        check "router list after SIGKILL: stopped, with its restore command" \
            "any(.routers[]; .name == \"js$$\" and .state == \"stopped\" and .restore == \"tcplab router --restore ja$$\")" "$TL_TMP/rt_list_stopped"
        mutants router-list rt_list_stopped
        ip netns exec "$RNS" "$TCPLAB" router --restore ja$$ >/dev/null || fail "router --restore ja$$ after SIGKILL"
    else
        fail "router: namespace $RNS and its veth pairs could not be made"
    fi
    rt_down

    # exp export: a campaign of one short run on a testbed of its own (exp names and removes
    # it), then the export, and the error document of a database that does not exist.
    # A run that failed (exit 1: on a loaded machine an agent's results can come late) is
    # run again the way a user would, by running the same command on the same database.
    for try in 1 2 3; do
        timeout -k 5 120 "$TCPLAB" exp run --rate 20mbit --rtt 20ms --cc cubic:1,bbr:1 --flows 2 -t 1s \
            --warmup 1s --probe=20 -o "$TL_TMP/exp.db" >/dev/null 2>>"$TL_TMP/exp.err"
        exp_rc=$?
        [ "$exp_rc" = 1 ] || break
        echo "note: exp run for the export, try $try: a run failed; resuming"
    done
    if [ "$exp_rc" = 0 ]; then
        run exp-export exp_export 0 "$TCPLAB" exp export "$TL_TMP/exp.db" --json
        check "exp export: one point, one ok run, the testbed's facts an object, finished" \
            '(.points | length) == 1 and .points[0].runs_ok == 1 and (.campaign.testbed | type) == "object" and .campaign.state == "finished"' "$TL_TMP/exp_export"
        # JSON Schema counts 2.0 as an integer; the text must not (it once said "id": 1.0).
        grep -Eq '"id": 1,$' "$TL_TMP/exp_export" && grep -Eq '"cpus": [0-9]+,$' "$TL_TMP/exp_export" &&
            grep -Eq '"created_unix": [0-9]{10},$' "$TL_TMP/exp_export" &&
            pass "exp export: the campaign's integers written as integers" ||
            fail "exp export: $(grep -E '"(id|cpus|created_unix)"' "$TL_TMP/exp_export" | tr -d '\n')"
        mutants exp-export exp_export
    else
        fail "exp run for the export: $(tail -c 300 "$TL_TMP/exp.err")"
    fi
    run exp-export exp_export_missing 2 "$TCPLAB" exp export "$TL_TMP/no-such.db" --json
    run exp-export exp_export_usage 2 "$TCPLAB" exp export "$TL_TMP/exp.db" --json --no-such-option
else
    echo "note: not root: testbed status, router status and exp export not checked (network namespaces need root)"
fi

"$PY" "$TL_TMP/validate.py" "$DOCS" "$TL_TMP/manifest"
n=$?
[ "$n" -eq 0 ] || TL_FAILS=$((TL_FAILS + n))
finish
