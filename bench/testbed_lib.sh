# Shared by bench/testbed.sh and bench/testbed_flows.sh (sourced): the testbed NAME they
# make, the PIDs they start, and the cleanup that ends both on exit. Needs TCPLAB and NAME.
PIDS=()

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    "$TCPLAB" testbed down "$NAME" >/dev/null 2>&1
}
trap cleanup EXIT

rate_bps() { # 100mbit -> 100000000
    case $1 in
    *gbit) awk -v v="${1%gbit}" 'BEGIN { printf "%.0f", v * 1e9 }' ;;
    *mbit) awk -v v="${1%mbit}" 'BEGIN { printf "%.0f", v * 1e6 }' ;;
    *) echo "$1" ;;
    esac
}

# start_receiver PORTFILE: `tcplab serve` on host rcv; sets APID (its PID, also in PIDS) and
# PORT (the port it listens on)
start_receiver() {
    rm -f "$1"
    "$TCPLAB" testbed exec "$NAME" rcv -- "$TCPLAB" serve --no-auth --port 0 --port-file "$1" -q >/dev/null 2>&1 &
    APID=$!
    PIDS+=("$APID")
    for _ in $(seq 1 100); do [ -s "$1" ] && break; sleep 0.05; done
    PORT=$(cat "$1")
}
