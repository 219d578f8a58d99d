# Helpers for the doctor's integration tests: a private network namespace, assertions on
# the doctor's JSON, and cleanup of exactly what the test made (the namespace, the
# processes it started, its temporary directory).
set -u
TCPLAB=${TCPLAB:?set TCPLAB to the tcplab binary}
SOCKGEN="$(dirname "$TCPLAB")/tests/integration/doctor_sockgen"
DOC_FAILS=0
DOC_PIDS=()
DOC_NS=""
DOC_TMP=""

doc_cleanup() {
    local p
    for p in "${DOC_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${DOC_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    [ -n "$DOC_NS" ] && ip netns del "$DOC_NS" 2>/dev/null
    [ -n "$DOC_TMP" ] && rm -rf "$DOC_TMP"
}
trap doc_cleanup EXIT

# Skips (exit 77) unless namespaces can be made here; then makes tl-doc-NAME-PID with lo up.
doc_netns() {
    [ "$(id -u)" -eq 0 ] || { echo "skip: needs root for ip netns"; exit 77; }
    command -v jq >/dev/null || { echo "skip: needs jq"; exit 77; }
    command -v ip >/dev/null || { echo "skip: needs iproute2"; exit 77; }
    DOC_TMP=$(mktemp -d /tmp/tl-doc.XXXXXX)
    DOC_NS="tl-doc-$1-$$"
    ip netns add "$DOC_NS" || { DOC_NS=""; echo "skip: ip netns add failed"; exit 77; }
    ip -n "$DOC_NS" link set lo up
}

# Runs a command inside the test's namespace.
nsx() { ip netns exec "$DOC_NS" "$@"; }

fail() { echo "FAIL: $*"; DOC_FAILS=$((DOC_FAILS + 1)); }
pass() { echo "ok: $*"; }

# check "description" jq-expression file: the expression must yield true.
check() {
    local what=$1 expr=$2 file=$3
    if [ "$(jq -r "$expr" "$file" 2>/dev/null)" = "true" ]; then
        pass "$what"
    else
        fail "$what  [jq: $expr]"
        jq -c "$expr" "$file" 2>&1 | head -c 600; echo
    fi
}

# finding ID FILE: the finding with that id, as JSON (null if absent).
finding() { jq ".findings[] | select(.id == \"$1\")" "$2"; }

# The values of every readable top-level sysctl under net/ipv4 and net/core, one per line.
snapshot_sysctls() {
    local f
    for f in /proc/sys/net/ipv4/* /proc/sys/net/core/*; do
        [ -f "$f" ] && [ -r "$f" ] || continue
        printf '%s=%s\n' "${f#/proc/sys/}" "$(tr '\t\n' '  ' <"$f" 2>/dev/null)"
    done
}

finish() {
    [ "$DOC_FAILS" -gt 0 ] && { echo "$DOC_FAILS check(s) failed"; exit 1; }
    exit 0
}
