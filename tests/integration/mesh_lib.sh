# Helpers for the mesh tests (on top of lib.sh): one bounded run, and its checks.
. "$(dirname "$0")/lib.sh"

# mesh_run OUT ARGS...: runs 'tcplab mesh ARGS --json' into OUT, at most 120 s; sets MESH_RC.
mesh_run() {
    local out=$1; shift
    timeout -k 5 120 "$TCPLAB" mesh "$@" --json >"$out" 2>"$out.err"
    MESH_RC=$?
}

# mesh_ok WHAT OUT: the run exited 0 and every run in it checks out: tokens conserved (held
# at the end == M, ids and their hashes add up), every message sent arrived, no token off
# its tour, and a --hops run made exactly its hops.
mesh_ok() {
    local what=$1 out=$2
    if [ "$MESH_RC" -eq 0 ] && jq -e '.ok == true and (.runs | length) >= 1 and
        all(.runs[]; .ok == true and .tokens_check.conserved == true and
            .tokens_check.held == .tokens and .hops_sent == .hops_received and .misrouted == 0 and
            (if .hops_requested then .hops_received == .hops_requested else true end))' \
        "$out" >/dev/null 2>&1; then
        pass "$what"
    else
        fail "$what: exit $MESH_RC; $(head -c 300 "$out.err"); $(jq -c '.error // [.runs[] | {ok, tokens_check, hops_sent, hops_received, hops_requested, misrouted}]' "$out" 2>&1 | head -c 600)"
    fi
}
