#!/usr/bin/env bash
# Under mpirun (Open MPI): rank and size from MPI, addresses exchanged with MPI_Allgather,
# tokens over TCP. Skipped (77) when Open MPI is not installed or tcplab was built without it.
. "$(dirname "$0")/mesh_lib.sh"

if ! command -v mpirun >/dev/null 2>&1; then
    echo "skip: mpirun not found (Open MPI: apt-get install openmpi-bin libopenmpi-dev, then meson setup --reconfigure)"
    exit 77
fi
if "$TCPLAB" mesh --help | grep -q 'not in this build'; then
    echo "skip: this tcplab was built without Open MPI (install libopenmpi-dev, then meson setup --reconfigure)"
    exit 77
fi
mpi() { # OUT NP ARGS...
    local out=$1 np=$2; shift 2
    timeout -k 5 120 mpirun --oversubscribe --allow-run-as-root -np "$np" \
        "$TCPLAB" mesh --mpi "$@" --json >"$out" 2>"$out.err"
    MESH_RC=$?
}
for p in ring random; do
    out=$TL_TMP/mpi-$p.json
    mpi "$out" 4 --pattern $p -m 2 --hops 4000
    mesh_ok "mpirun -np 4, $p: 4000 hops, tokens conserved" "$out"
    check "$p: launch mpi, 4 ranks from MPI" '.runs[0].launch == "mpi" and .runs[0].ranks == 4' "$out"
done
out=$TL_TMP/mpi-a2a.json
mpi "$out" 3 --pattern all-to-all --transport tcp-quickack -m 3 --time 500ms
mesh_ok "mpirun -np 3, all-to-all, tcp-quickack, timed" "$out"
check "only rank 0 wrote to stdout: one JSON document" '.command == "mesh"' "$out"

out=$TL_TMP/mpi-bad.json
mpi "$out" 3 --pattern pairs --hops 100
[ "$MESH_RC" -ne 0 ] && jq -e '.ok == false and (.error | contains("even number of ranks (got 3"))' "$out" >/dev/null \
    && pass "mpirun -np 3 with pairs: refused with the reason" || fail "pairs under -np 3: exit $MESH_RC, $(cat "$out")"
finish
