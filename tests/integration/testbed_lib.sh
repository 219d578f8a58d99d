# Shared by the testbed_*.sh integration tests: unique testbed names, cleanup in a trap,
# addresses, ping percentiles, a tcplab agent inside a host.
# Every testbed a test makes is taken down on exit; processes end by PID (lib.sh).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then echo "skip: network namespaces need root"; exit 77; fi
for tool in ip ethtool jq ping sysctl; do
    command -v "$tool" >/dev/null || { echo "skip: $tool missing (scripts/deps.sh)"; exit 77; }
done

TB_NAMES=()

tb_cleanup() {
    local p n
    # Processes inside the namespaces first, so the namespaces can go away with them.
    for p in "${TL_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${TL_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    TL_PIDS=()
    for n in "${TB_NAMES[@]}"; do "$TCPLAB" testbed down "$n" >/dev/null 2>&1; done
    tl_cleanup
}
trap tb_cleanup EXIT

# tb_up NAME [OPTIONS]: makes a testbed, or fails the test; its JSON is in $TL_TMP/NAME.up.json
tb_up() {
    local name=$1; shift
    TB_NAMES+=("$name")
    if ! "$TCPLAB" testbed up "$name" "$@" --json >"$TL_TMP/$name.up.json" 2>"$TL_TMP/$name.up.err"; then
        echo "FAIL: testbed up $name $*:"; cat "$TL_TMP/$name.up.json" "$TL_TMP/$name.up.err"
        exit 1
    fi
}

# tb_addr NAME HOST: the host's address.
tb_addr() {
    jq -r --arg h "$2" '.hosts[] | select(.name == $h) | .addr' "$TL_TMP/$1.up.json"
}

# ping_p50 NAME HOST ADDR [COUNT]: the median RTT in ms of COUNT pings every 50 ms.
ping_p50() {
    "$TCPLAB" testbed exec "$1" "$2" -- ping -n -c "${4:-20}" -i 0.05 "$3" 2>/dev/null |
        sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "none"; else print v[int((NR + 1) / 2)] }'
}

# tb_ping_near NAME HOST ADDR MS: up to three runs of ping_p50 (1 s each) until one is within
# 0.3 ms of MS. A run on a loaded 2-vCPU machine is disturbed by other work now and then (the
# sender, the forwarder and the receiver all wake for every ping; ping's own overhead puts
# the median 0.1-0.3 ms above the path's RTT, and it prints 0.1 ms steps at 10 ms and more);
# an emulation error shows in all three. PING_SEEN lists the medians.
tb_ping_near() {
    local attempt p
    PING_SEEN=""
    for attempt in 1 2 3; do
        p=$(ping_p50 "$1" "$2" "$3")
        PING_SEEN="$PING_SEEN $p"
        near "$p" "$4" 0.3 && return 0
    done
    return 1
}

# near A B TOL: |A - B| <= TOL (numbers, as awk reads them)
near() {
    awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "none" && d <= t + 1e-9) }'
}

# start_agent_in NAME HOST: a tcplab agent on a free port in HOST; sets AGENT_PORT.
start_agent_in() {
    local pf="$TL_TMP/port.$1.$2"
    "$TCPLAB" testbed exec "$1" "$2" -- "$TCPLAB" serve --no-auth --port 0 --port-file "$pf" -q \
        >"$TL_TMP/agent.out" 2>"$TL_TMP/agent.log" &
    TL_PIDS+=("$!")
    local i
    for i in $(seq 1 100); do
        [ -s "$pf" ] && break
        sleep 0.05
    done
    [ -s "$pf" ] || { echo "FAIL: agent in $1 $2 did not start:"; cat "$TL_TMP/agent.log"; exit 1; }
    AGENT_PORT=$(cat "$pf")
}

# tb_json NAME: the status document.
tb_json() {
    "$TCPLAB" testbed status "$1" --json
}

# cpu_expand "0-2,5": "0 1 2 5"
cpu_expand() {
    local part out=""
    IFS=, read -ra parts <<<"$1"
    for part in "${parts[@]}"; do
        if [[ $part == *-* ]]; then out="$out $(seq -s ' ' "${part%-*}" "${part#*-}")"; else out="$out $part"; fi
    done
    echo $out
}

# cpus_allowed PID|PID/task/TID|self: the CPU list (as the kernel writes it)
cpus_allowed() {
    sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$1/status"
}
