#!/usr/bin/env bash
# --apply-now then --revert inside a namespace of its own (state file in a temporary
# directory): the fixes reach the kernel, global values are skipped, and revert leaves every
# value of net.ipv4 and net.core exactly as it was.
. "$(dirname "$0")/doctor_lib.sh"
doc_netns apply
state=$DOC_TMP/state/revert.conf

nsx sysctl -qw net.ipv4.tcp_rmem="4096 8192 65536" net.ipv4.tcp_wmem="4096 8192 65536" \
    net.ipv4.ip_local_port_range="40000 40499" net.core.somaxconn=16 net.ipv4.tcp_syncookies=0 \
    || { fail "sysctl -w in netns"; finish; }
snap() { nsx bash -c "$(declare -f snapshot_sysctls); snapshot_sysctls"; }
before=$(snap)
host_before=$(snapshot_sysctls)

args=(--rate 1gbit --rtt 100ms --conns-per-sec 2000)
# A state file that cannot be written stops --apply-now before any value changes.
nsx "$TCPLAB" doctor --json "${args[@]}" --apply-now --state /proc/tl-doc-no/state.conf \
    >"$DOC_TMP/nostate.json"; rc=$?
[ "$rc" -eq 3 ] && pass "unwritable state file: exit 3" || fail "unwritable state file: exit $rc"
check "unwritable state file: says nothing was changed" \
    '.error | contains("nothing was changed")' "$DOC_TMP/nostate.json"
[ "$before" = "$(snap)" ] && pass "unwritable state file: values untouched" || fail "values changed"

out=$DOC_TMP/apply.json
nsx "$TCPLAB" doctor --json "${args[@]}" --apply "$DOC_TMP/dropin.conf" --host-wide --apply-now --state "$state" >"$out"
rc=$?
[ "$rc" -eq 1 ] && pass "apply: exit 1 (severe findings were there)" || fail "apply: exit $rc"
check "apply: changes applied" \
    '[.apply.changes[] | select(.status == "applied") | .name] as $a | ($a | index("net.ipv4.tcp_rmem")) != null and ($a | index("net.core.somaxconn")) != null and ($a | index("net.ipv4.ip_local_port_range")) != null and ($a | index("net.ipv4.tcp_syncookies")) != null' "$out"
check "apply: global rmem_max/wmem_max skipped (read-only in a netns)" \
    '[.apply.changes[] | select(.global) | .status] | all(. == "skipped")' "$out"
check "apply: old values reported" \
    '.apply.changes[] | select(.name == "net.ipv4.tcp_rmem") | .old == "4096 8192 65536" and .value == "4096 8192 33554432"' "$out"
[ "$(nsx cat /proc/sys/net/ipv4/tcp_rmem | tr '\t' ' ')" = "4096 8192 33554432" ] && pass "kernel: tcp_rmem set" || fail "kernel: tcp_rmem not set"
[ "$(nsx cat /proc/sys/net/core/somaxconn)" = "4096" ] && pass "kernel: somaxconn set" || fail "kernel: somaxconn not set"
[ "$(nsx cat /proc/sys/net/ipv4/ip_local_port_range | tr '\t' ' ')" = "1024 65535" ] && pass "kernel: port range set" || fail "kernel: port range not set"
grep -qx 'net.ipv4.tcp_rmem = 4096 8192 65536' "$state" && pass "state file records the old tcp_rmem" || fail "state file content"
[ -s "$DOC_TMP/dropin.conf" ] && pass "--apply FILE written alongside" || fail "no drop-in"

# The doctor is happier now: no severe tcp_rmem/somaxconn/port range.
nsx "$TCPLAB" doctor --json "${args[@]}" >"$DOC_TMP/after.json"
check "after apply: tcp_rmem and somaxconn ok" \
    '(.findings[] | select(.id == "tcp_rmem") | .severity == "ok") and (.findings[] | select(.id == "somaxconn") | .severity == "ok")' "$DOC_TMP/after.json"

# Something to fix again (somaxconn back at 16, its value before the first apply): a second
# --apply-now would overwrite the recorded old values, so it is refused and changes nothing.
nsx sysctl -qw net.core.somaxconn=16
mid=$(snap)
nsx "$TCPLAB" doctor --json "${args[@]}" --apply-now --state "$state" >"$DOC_TMP/again.json"; rc=$?
[ "$rc" -eq 3 ] && pass "second --apply-now: exit 3" || fail "second --apply-now: exit $rc"
check "second --apply-now: error names the state file" '.error | contains("exists")' "$DOC_TMP/again.json"
[ "$mid" = "$(snap)" ] && pass "second --apply-now changed nothing" || fail "second --apply-now changed values"

# Revert from the host's namespace is refused (it was recorded in the test's namespace).
"$TCPLAB" doctor --revert --state "$state" --json >"$DOC_TMP/wrongns.json"; rc=$?
[ "$rc" -eq 3 ] && pass "revert from another netns: exit 3" || fail "revert from another netns: exit $rc"
check "revert from another netns: error says where" '.error | contains("run --revert in that namespace")' "$DOC_TMP/wrongns.json"

nsx "$TCPLAB" doctor --revert --state "$state" --json >"$DOC_TMP/revert.json"; rc=$?
[ "$rc" -eq 0 ] && pass "revert: exit 0" || fail "revert: exit $rc"
check "revert: restored the applied values" '.revert.restored >= 5' "$DOC_TMP/revert.json"
after=$(snap)
[ "$before" = "$after" ] && pass "every net.ipv4/net.core value is as it was ($(echo "$before" | wc -l) values)" \
    || { fail "values differ after revert"; diff <(echo "$before") <(echo "$after"); }
[ ! -e "$state" ] && pass "state file removed" || fail "state file still there"
nsx "$TCPLAB" doctor --revert --state "$state" 2>"$DOC_TMP/err.txt"; rc=$?
[ "$rc" -eq 3 ] && grep -q "nothing was applied" "$DOC_TMP/err.txt" && pass "second revert: exit 3, says why" || fail "second revert: exit $rc"
[ "$host_before" = "$(snapshot_sysctls)" ] && pass "host values untouched" || fail "host values changed"
finish
