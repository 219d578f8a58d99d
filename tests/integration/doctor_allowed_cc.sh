#!/usr/bin/env bash
# The doctor names the congestion controls an ordinary user cannot choose: those in
# tcp_available_congestion_control and not in tcp_allowed_congestion_control, with the sysctl
# that allows them. The allowed list is host-wide (read-only inside a network namespace), so
# this test never writes it: it compares the doctor's finding, in a namespace of its own and
# with --json-file beside the table, with the host's real lists read here, and checks that
# --apply-now there changes nothing of the host. The rule's other cases are unit tests
# (test_sys_doctor_rules: test_allowed_congestion_control).
. "$(dirname "$0")/doctor_lib.sh"
doc_netns allowedcc
al=/proc/sys/net/ipv4/tcp_allowed_congestion_control
av=/proc/sys/net/ipv4/tcp_available_congestion_control
[ -r "$al" ] && [ -r "$av" ] || { echo "skip: no congestion-control lists in /proc"; exit 77; }
host_before=$(snapshot_sysctls)

# What the finding must say, computed here from the host's lists.
allowed=$(cat "$al")
missing=$(for n in $(cat "$av"); do grep -qw -- "$n" <<<"$allowed" || printf '%s ' "$n"; done)
missing=${missing% }

[ "$(nsx stat -c %a "$al")" = 444 ] && pass "the allowed list is read-only inside a namespace (global)" ||
    echo "note: the allowed list is writable inside a namespace on this kernel ($(uname -r))"

out=$DOC_TMP/doctor.json
nsx "$TCPLAB" doctor --json-file "$out" >"$DOC_TMP/doctor.txt"
rc=$?
[ "$rc" -le 1 ] && pass "doctor ran (exit $rc)" || fail "doctor: exit $rc"
check "--json-file: the document beside the report" 'has("findings") and (has("error") | not)' "$out"
check "the sysctl is read, global, not writable here" \
    ".sysctls[\"net.ipv4.tcp_allowed_congestion_control\"] | .value == \"$allowed\" and .scope == \"global\" and .writable == false" "$out"
if [ -n "$missing" ]; then
    want="$allowed $missing"
    check "info finding: seen, the missing ones, the fix with every available one" \
        "$(printf '[.findings[] | select(.id == "tcp_allowed_congestion_control")] | length == 1 and (.[0] | .severity == "info" and (.seen | contains("= %s (available:")) and (.why | contains("%s")) and (.why | contains("not allowed")) and (.fix | contains("sysctl -w net.ipv4.tcp_allowed_congestion_control=\\"%s\\"")) and .sysctl.name == "net.ipv4.tcp_allowed_congestion_control" and .sysctl.value == "%s" and .sysctl.global == true)' \
            "$allowed" "$missing" "$want" "$want")" "$out"
    grep -q "tcp_allowed_congestion_control=\"$want\"" "$DOC_TMP/doctor.txt" &&
        grep -q "not allowed" "$DOC_TMP/doctor.txt" && pass "the report shows it too" ||
        { fail "the report lacks the finding"; grep -n -i "congestion" "$DOC_TMP/doctor.txt"; }
else
    check "every available one allowed: an ok finding" \
        '[.findings[] | select(.id == "tcp_allowed_congestion_control")] | length == 1 and .[0].severity == "ok"' "$out"
fi

# --apply-now in the namespace: an info finding is never applied, and the list is global.
nsx "$TCPLAB" doctor --json --apply-now --state "$DOC_TMP/state.conf" >"$DOC_TMP/apply.json"
check "--apply-now does not plan the allowed list" \
    '[.apply.changes[] | select(.name == "net.ipv4.tcp_allowed_congestion_control")] | length == 0' "$DOC_TMP/apply.json"
[ -f "$DOC_TMP/state.conf" ] && nsx "$TCPLAB" doctor --revert --state "$DOC_TMP/state.conf" >/dev/null
[ "$(cat "$al")" = "$allowed" ] && pass "the host's allowed list is unchanged ($allowed)" || fail "allowed list changed: $(cat "$al")"
[ "$(snapshot_sysctls)" = "$host_before" ] && pass "no host sysctl changed" || fail "host sysctls changed"
finish
