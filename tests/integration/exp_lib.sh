# Shared by the exp_*.sh and report_*.sh tests: root, tools, the database helpers, and a
# check that a campaign left nothing behind (its testbed's namespaces, its children).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then echo "skip: network namespaces need root"; exit 77; fi
for tool in ip ethtool sqlite3 jq; do
    command -v "$tool" >/dev/null || { echo "skip: $tool missing (scripts/deps.sh)"; exit 77; }
done

# q DB SQL: one value.
q() { sqlite3 -batch -noheader "$1" "$2"; }

# eq WHAT GOT WANT
eq() {
    if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1: got '$2', want '$3'"; fi
}

# nothing_left PID: no namespace of the campaign's testbed (tl-expPID-*), no process whose
# command line names it (the forwarder), and no process left in the campaign's session: the
# tests start `exp run` with setsid, so its session id is its PID, and every child it starts
# (agent, streams, probe, testbed commands) stays in that session.
nothing_left() {
    local ns procs
    ns=$(ip netns list | grep -c "^tl-exp$1-" || true)
    # pgrep only finds them (it never matches itself); nothing is ended by name.
    procs=$(( $(pgrep -f -- " exp$1 " | wc -l) + $(pgrep -s "$1" | wc -l) ))
    [ "$procs" = 0 ] || { pgrep -a -f -- " exp$1 "; pgrep -a -s "$1"; }
    eq "no namespace of testbed exp$1 is left" "$ns" 0
    eq "no process of campaign $1 is left" "$procs" 0
    [ -d "/run/tcplab/testbed/exp$1" ] && fail "state directory of exp$1 is left" || true
}

# exp_run_all DB ARGS...: `tcplab exp run ARGS -o DB`; if runs failed (exit 1), runs the same
# command again, at most twice, as a user would: a resumed campaign runs its failed runs
# again. On a heavily loaded machine a run can fail in the traffic engine (an agent's
# results late); the reasons are shown. Returns the last exit status.
exp_run_all() {
    local db=$1 rc tries; shift
    for tries in 1 2 3; do
        "$TCPLAB" exp run "$@" -o "$db" 2>>"$TL_TMP/exp_run_all.err"
        rc=$?
        [ "$rc" = 1 ] || return "$rc"
        echo "note: failed runs, resuming: $(q "$db" "SELECT group_concat(reason, '; ') FROM runs WHERE status = 'failed'")"
    done
    return "$rc"
}
