#!/usr/bin/env bash
# Real 'tcplab stream --json' and '--json-lines' output, validated against docs/stream.schema.json
# (JSON Schema draft 2020-12) with python3-jsonschema from Debian (scripts/deps.sh installs it):
# forward, reverse, bidir with per-flow intervals and without, verify, zerocopy, stream --autotune,
# and the error documents of a refused connection, of a test the agent refuses, and of bad usage
# (with --json before and after the bad option).
. "$(dirname "$0")/lib.sh"

SCHEMA=$(cd "${TESTS_DIR:-$(dirname "$0")/..}/.." && pwd)/docs/stream.schema.json
[ -r "$SCHEMA" ] || { echo "FAIL: no schema at $SCHEMA"; exit 1; }

tl_schema_python

# validate KIND FILE: KIND is "doc" (one document) or "lines" (each line one --json-lines event).
# Prints every violation with its path; exits non-zero on any.
cat >"$TL_TMP/validate.py" <<'EOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
kind, path = sys.argv[2], sys.argv[3]
if kind == "lines":
    sub = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/event"}
    validator = jsonschema.Draft202012Validator(sub)
    text = open(path).read()
    if not text.endswith("\n"):
        sys.exit("last line is not terminated")
    items = [json.loads(line) for line in text.splitlines()]
    if not items:
        sys.exit("no lines")
else:
    validator = jsonschema.Draft202012Validator(schema)
    items = [json.load(open(path))]
bad = 0
for n, item in enumerate(items):
    for e in validator.iter_errors(item):
        bad += 1
        print("  line %d at /%s: %s" % (n + 1, "/".join(str(p) for p in e.absolute_path), e.message[:300]))
sys.exit(1 if bad else 0)
EOF

validate() {
    local what=$1 kind=$2 file=$3
    if "$PY" "$TL_TMP/validate.py" "$SCHEMA" "$kind" "$file"; then
        pass "$what: valid against the schema"
    else
        fail "$what: not valid against the schema"
        head -c 600 "$file"; echo
    fi
}

# run NAME EXPECTED_EXIT ARGS...: runs tcplab stream, stdout to $TL_TMP/NAME, checks the exit.
run() {
    local name=$1 want=$2 rc
    shift 2
    timeout 60 "$TCPLAB" stream "$@" >"$TL_TMP/$name" 2>"$TL_TMP/$name.err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then
        pass "$name: exit $rc"
    else
        fail "$name: exit $rc, expected $want"
        cat "$TL_TMP/$name.err"
    fi
}

"$PY" -c 'import json, sys, jsonschema; jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))' "$SCHEMA" \
    && pass "the schema itself is a valid draft 2020-12 schema" || fail "the schema is not a valid schema"

start_agent --max-duration 1h
A=(-p "$AGENT_PORT" 127.0.0.1)

run forward 0 --json -P 2 -T 2 -t 1 -i 250ms "${A[@]}"
validate forward doc "$TL_TMP/forward"
check "forward: c2a flows with sender TCP_INFO and limited-by, per-flow intervals" \
    '([.end.streams[].dir] == ["c2a","c2a"]) and ([.end.streams[].sender | has("tcp_info") and has("limited_by")] | all)
     and (.intervals | length) >= 4 and ([.intervals[] | (.streams | length) == 2] | all)' "$TL_TMP/forward"

run reverse 0 --json -R -P 2 -t 1 "${A[@]}"
validate reverse doc "$TL_TMP/reverse"
check "reverse: every flow is a2c and no per-direction sums" \
    '([.end.streams[].dir] | all(. == "a2c")) and (.end | has("sum_c2a") | not)' "$TL_TMP/reverse"

run bidir 0 --json --bidir -P 2 -t 1 "${A[@]}"
validate bidir doc "$TL_TMP/bidir"
check "bidir: 4 connections, both directions summed on their own" \
    '(.end.streams | length) == 4 and (.end.sum_c2a.bytes > 0) and (.end.sum_a2c.bytes > 0)
     and ([.intervals[] | has("sum_c2a") and has("sum_a2c")] | all)' "$TL_TMP/bidir"

# Over 128 connections intervals carry sums only (no per-flow entries); the end keeps every flow.
run bidir_many 0 --json --bidir -P 80 -T 2 -t 1 "${A[@]}"
validate bidir_many doc "$TL_TMP/bidir_many"
check "bidir, 160 connections: no interval streams, 160 end streams" \
    '([.intervals[] | has("streams") | not] | all) and (.end.streams | length) == 160' "$TL_TMP/bidir_many"

run verify 0 --json --verify -n 10M -P 3 "${A[@]}"
validate verify doc "$TL_TMP/verify"
check "verify: exact counts, ok, every receiver has a verify object" \
    '.end.verify.ok and .end.verify.bytes_received == 10485760 and .end.verify.bytes_sent == 10485760
     and ([.end.streams[] | .verified and (.receiver.verify.errors == 0)] | all)' "$TL_TMP/verify"

run verify_time 0 --json --verify -t 1 -i 0 "${A[@]}"
validate verify_time doc "$TL_TMP/verify_time"
check "verify, time mode: no intervals with -i 0, method says in-flight bytes are not counted" \
    '(.intervals == []) and .end.verify.ok and (.end.verify.method | test("in flight"))' "$TL_TMP/verify_time"

run zerocopy 0 --json --zerocopy -t 0.5 "${A[@]}"
validate zerocopy doc "$TL_TMP/zerocopy"
check "zerocopy: the sender reports sends and completions" \
    '.end.streams[0].sender.zerocopy.sends > 0' "$TL_TMP/zerocopy"

run lines 0 --json-lines -P 2 -t 1 -i 250ms "${A[@]}"
validate lines lines "$TL_TMP/lines"
check "json-lines: start first, intervals, end last" \
    '[inputs] as $rest | ([.] + $rest) | (.[0].event == "start") and (.[-1].event == "end")
     and ([.[] | select(.event == "interval")] | length) >= 4' "$TL_TMP/lines"

# Connection refused: nothing listens on this port of 127.0.0.2 (the agent is bound to 127.0.0.1).
run refused 3 --json -t 1 -p "$AGENT_PORT" 127.0.0.2
validate refused doc "$TL_TMP/refused"
check "refused: error document with start, end and a message naming the refusal" \
    '(.error | test("refused")) and (.start.connecting_to.host == "127.0.0.2") and (.end.failed_flows == 1)
     and (.start | has("agent") | not)' "$TL_TMP/refused"

run refused_lines 3 --json-lines -t 1 -p "$AGENT_PORT" 127.0.0.2
validate refused_lines lines "$TL_TMP/refused_lines"
check "refused, json-lines: the last event is the error" \
    '[inputs] as $rest | ([.] + $rest) | .[-1].event == "error" and (.[-1].data.error | test("refused"))' \
    "$TL_TMP/refused_lines"

# The agent refuses a test longer than its --max-duration: exit 3, error from the peer.
run agent_refuses 3 --json -t 2h "${A[@]}"
validate agent_refuses doc "$TL_TMP/agent_refuses"
check "agent refuses: error names --max-duration, start has the agent's limits" \
    '(.error | test("max-duration")) and .start.agent.limits.max_duration_ns == 3600000000000' "$TL_TMP/agent_refuses"

run usage 2 --json -t 3x "${A[@]}"
validate usage doc "$TL_TMP/usage"
check "usage: only an error" '(keys == ["error"]) and (.error | test("--time"))' "$TL_TMP/usage"

# --json after the bad option counts too: the line is scanned for it before parsing.
run usage_after 2 -t 3x --json "${A[@]}"
validate usage_after doc "$TL_TMP/usage_after"
check "usage, --json after the bad option: only an error" '(keys == ["error"]) and (.error | test("--time"))' \
    "$TL_TMP/usage_after"

# stream --autotune --json: probe (into a cache file of this test), two runs, comparison.
XDG_CACHE_HOME=$TL_TMP/cache run autotune 0 --json --autotune -t 0.5 -i 250ms "${A[@]}"
validate autotune doc "$TL_TMP/autotune"
check "autotune: two complete runs with the chosen buffers in the tuned one" \
    '(.autotune.kernel.end.streams | length) == .autotune.choice.flows
     and (.autotune.tuned.start.test_start.opts.sndbuf == .autotune.choice.sndbuf)
     and (.autotune.kernel.start.test_start.opts.sndbuf == 0)' "$TL_TMP/autotune"

# The schema is closed: a field the documentation does not know is rejected.
jq '.end.streams[0].sender.undocumented = 1' "$TL_TMP/forward" >"$TL_TMP/mutant"
if "$PY" "$TL_TMP/validate.py" "$SCHEMA" doc "$TL_TMP/mutant" >/dev/null; then
    fail "an undocumented field passed the schema"
else
    pass "an undocumented field is rejected by the schema"
fi
jq '.autotune.comparison.undocumented = 1' "$TL_TMP/autotune" >"$TL_TMP/mutant2"
if "$PY" "$TL_TMP/validate.py" "$SCHEMA" doc "$TL_TMP/mutant2" >/dev/null; then
    fail "an undocumented autotune field passed the schema"
else
    pass "an undocumented autotune field is rejected by the schema"
fi

finish
