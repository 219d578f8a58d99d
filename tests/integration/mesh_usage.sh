#!/usr/bin/env bash
# Bad input: each message names the value and the fix, exit 2, and --json stays JSON.
. "$(dirname "$0")/mesh_lib.sh"

expect_error() { # $1 = substring expected in stderr; rest = arguments
    local want=$1; shift
    local err rc
    err=$("$TCPLAB" mesh "$@" 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 2 ] && echo "$err" | grep -qF -- "$want"; then
        pass "mesh $* -> $want"
    else
        fail "mesh $*: exit $rc, message: $err"
    fi
}
expect_error 'the minimum is the 40-byte token header' --message-size 1
expect_error 'give 40..' --message-size 39
expect_error '--pattern pairs needs an even number of ranks (got 5; use 4 or 6)' -n 5 --pattern pairs
expect_error '--pattern "star": unknown (choose ring, random, all-to-all or pairs)' --pattern star
expect_error '--transport "udp": unknown' --transport udp
expect_error '--time and --hops cannot be used together' --time 1s --hops 100
expect_error '--ranks "1": out of range' -n 1
expect_error 'is less than the 4 tokens' -m 4 --hops 3
expect_error '--rank, --size and --rendezvous go together' --rank 1 --size 3
expect_error '--compare runs every transport; drop --transport' --compare --transport unix
expect_error '--mpi takes the number of ranks from mpirun -np; drop -n' --mpi -n 4
expect_error 'write HOST:PORT' --rank 0 --size 2 --rendezvous nohostport
expect_error 'unexpected argument "extra"' extra

out=$("$TCPLAB" mesh --message-size 8 --json 2>/dev/null)
echo "$out" | jq -e '.ok == false and (.error | contains("at least") or contains("40"))' >/dev/null \
    && pass "--json: a usage error is a JSON document" || fail "--json usage error: $out"

# unix sockets only for ranks forked here: a runtime error (exit 3), JSON still valid.
out=$("$TCPLAB" mesh --rank 1 --size 2 --rendezvous 127.0.0.1:1 --transport unix --json 2>/dev/null); rc=$?
[ $rc -eq 3 ] && echo "$out" | jq -e '.ok == false and (.error | contains("only for ranks forked here"))' >/dev/null \
    && pass "unix with --rendezvous: refused, JSON error, exit 3" || fail "unix + rendezvous: exit $rc, $out"

"$TCPLAB" mesh --help | grep -q -- '--rendezvous HOST:PORT' && pass "mesh --help" || fail "mesh --help"
"$TCPLAB" --help | grep -q '^  mesh ' && pass "tcplab --help lists mesh" || fail "tcplab --help lacks mesh"
finish
