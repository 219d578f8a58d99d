#!/usr/bin/env bash
# One port ceiling for every command: in a namespace of this test per setting (tcp_tw_reuse
# 0, 1, 2; the server on loopback, or in a second namespace across a veth pair), with 1000
# ephemeral ports, crr, doctor and farm must print the same ceiling, and it must be the
# kernel's rule (sys/port_ceiling.h): 1000 ports / 60 s = 16/s without reuse; 1000 / 1 s
# where connect() takes TIME_WAIT ports back (1 everywhere, 2 towards loopback only).
# crr's count of connections must stay within what the ceiling allows in its few seconds.
. "$(dirname "$0")/lib.sh"
NSC=tl-pc-c-$$
NSS=tl-pc-s-$$
ip netns add "$NSC" || { echo "skip: cannot create a network namespace"; exit 77; }
ip netns del "$NSC"
cleanup_ns() {
    ip netns del "$NSC" 2>/dev/null
    ip netns del "$NSS" 2>/dev/null
    return 0
}
trap 'tl_cleanup; cleanup_ns' EXIT
in_c() { ip netns exec "$NSC" "$@"; }

# setup MODE REUSE: fresh namespaces; sets DEST, the address the client connects to.
setup() {
    cleanup_ns
    ip netns add "$NSC"
    ip -n "$NSC" link set lo up
    in_c sysctl -qw net.ipv4.ip_local_port_range="40000 40999"
    in_c sysctl -qw net.ipv4.tcp_tw_reuse="$2"
    in_c sysctl -qw net.ipv4.tcp_timestamps=1
    if [ "$1" = lo ]; then
        DEST=127.0.0.1
        SRVNS=$NSC
        return
    fi
    ip netns add "$NSS"
    ip -n "$NSS" link set lo up
    ip link add "tlpc$$a" netns "$NSC" type veth peer name "tlpc$$b" netns "$NSS"
    ip -n "$NSC" addr add 10.77.0.1/24 dev "tlpc$$a"
    ip -n "$NSS" addr add 10.77.0.2/24 dev "tlpc$$b"
    ip -n "$NSC" link set "tlpc$$a" up
    ip -n "$NSS" link set "tlpc$$b" up
    DEST=10.77.0.2
    SRVNS=$NSS
}

# wait_file FILE: up to 5 s for the port file of a server.
wait_file() {
    local i
    for i in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.05; done
    return 1
}

# stop PID: ends one server this test started, by its PID ('ip netns exec' execs the
# command, so $! of a server started with it is the server itself), and checks it is gone.
stop() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    kill -0 "$1" 2>/dev/null && fail "server $1 still running after it was stopped"
    return 0
}

# The figure each command prints, "~N new connections/s"; rounded down, so N is an integer.
figure() { grep -o '~[0-9]* new connections/s' "$1" | head -1 | tr -dc '0-9'; }

run_case() { # MODE REUSE WANT
    local mode=$1 reuse=$2 want=$3 tag="tw_reuse=$2 $1"
    setup "$mode" "$reuse"

    # crr against an agent on the server side.
    local pf=$TL_TMP/agent.port
    rm -f "$pf"
    ip netns exec "$SRVNS" "$TCPLAB" serve --no-auth --bind "$DEST" --port 5299 --port-file "$pf" \
        >/dev/null 2>"$TL_TMP/agent.log" &
    local agent=$!
    TL_PIDS+=("$agent")
    wait_file "$pf" || { fail "$tag: the agent did not start"; cat "$TL_TMP/agent.log"; return; }
    in_c "$TCPLAB" crr "$DEST" -P 2 -t 2 --json >"$TL_TMP/crr.json" 2>"$TL_TMP/crr.err"
    in_c "$TCPLAB" crr "$DEST" -P 1 -t 1 >"$TL_TMP/crr.txt" 2>>"$TL_TMP/crr.err"
    stop "$agent"
    local crr_json crr_txt connects secs
    crr_json=$(jq -r '.start.crr.predicted_max_connections_per_second' "$TL_TMP/crr.json")
    crr_txt=$(figure "$TL_TMP/crr.txt")
    connects=$(jq -r '.end.sum.connects' "$TL_TMP/crr.json")

    # doctor, told where the connections go.
    in_c "$TCPLAB" doctor --dest "$DEST" --conns-per-sec 10 >"$TL_TMP/doc.txt" 2>&1
    in_c "$TCPLAB" doctor --dest "$DEST" --conns-per-sec 10 --json >"$TL_TMP/doc.json" 2>/dev/null
    local doc_txt doc_json
    doc_txt=$(figure "$TL_TMP/doc.txt")
    doc_json=$(jq -r '.derived.new_conns_per_sec_ceiling' "$TL_TMP/doc.json")

    # farm: workers here, the job server on the server side.
    local fp=$TL_TMP/farm.port farm_txt farm_json fport=5300
    for form in txt json; do
        fport=$((fport + 1)) # a port of its own: the last server's TIME_WAIT may hold the other
        rm -f "$fp"
        ip netns exec "$SRVNS" "$TCPLAB" farm serve -B "$DEST" -p "$fport" --port-file "$fp" --jobs 200 -q \
            >/dev/null 2>"$TL_TMP/fserve.err" &
        local fs=$!
        TL_PIDS+=("$fs")
        wait_file "$fp" || { fail "$tag: the job server did not start"; cat "$TL_TMP/fserve.err"; return; }
        if [ $form = txt ]; then
            in_c "$TCPLAB" farm work "$DEST" -p "$(cat "$fp")" -t 10 -q >"$TL_TMP/farm.txt" 2>&1
        else
            in_c "$TCPLAB" farm work "$DEST" -p "$(cat "$fp")" -t 10 -q --json >"$TL_TMP/farm.json" 2>/dev/null
        fi
        stop "$fs"
    done
    farm_txt=$(figure "$TL_TMP/farm.txt")
    farm_json=$(jq -r '.ports.predicted_ceiling_conn_per_s' "$TL_TMP/farm.json")

    echo "$tag: want $want; crr $crr_json/$crr_txt, doctor $doc_json/$doc_txt, farm $farm_json/$farm_txt; crr made $connects connections in 2 s"
    if [ "$crr_json" = "$want" ] && [ "$crr_txt" = "$want" ] && [ "$doc_json" = "$want" ] &&
       [ "$doc_txt" = "$want" ] && [ "$farm_txt" = "$want" ] &&
       [ "$(jq -r ".ports.predicted_ceiling_conn_per_s == $want" "$TL_TMP/farm.json")" = true ]; then
        pass "$tag: crr, doctor and farm print the same ceiling, ~$want/s"
    else
        fail "$tag: the ceilings differ (want $want)"
        head -3 "$TL_TMP/crr.err" "$TL_TMP/farm.txt"
    fi
    # In T seconds a client gets at most the free ports plus what the ceiling frees:
    # 1000 + ceiling x T (x 1.2 for the edges of the window). Without reuse that is about
    # 1000 in 2 s however fast the machine is.
    if [ "$connects" -le $(( (1000 + want * 2) * 12 / 10 )) ] && [ "$connects" -gt 0 ]; then
        pass "$tag: crr's $connects connections fit the ceiling (<= (1000 + $want x 2) x 1.2)"
    else
        fail "$tag: crr made $connects connections, more than the ceiling allows"
    fi
}

run_case lo 0 16
run_case lo 1 1000
run_case lo 2 1000
run_case veth 0 16
run_case veth 1 1000
run_case veth 2 16
finish
