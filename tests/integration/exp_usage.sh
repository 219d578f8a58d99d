#!/usr/bin/env bash
# Bad input to exp and report: one clear line naming the value and the fix, exit status 2,
# and nothing created. The shipped plans parse and expand (--dry-run).
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 missing (scripts/deps.sh)"; exit 77; }
EX=$(cd "$(dirname "$0")/../../examples" && pwd)

# bad WHAT PATTERN ARGS...: exit 2, one line on stderr matching PATTERN, no database made.
bad() {
    local what=$1 pat=$2; shift 2
    "$TCPLAB" "$@" >"$TL_TMP/out" 2>"$TL_TMP/err"
    local rc=$? lines
    lines=$(grep -c . "$TL_TMP/err")
    if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -Eq -- "$pat" "$TL_TMP/err"; then
        pass "$what: $(cat "$TL_TMP/err")"
    else
        fail "$what: exit $rc, $lines lines: $(cat "$TL_TMP/err")"
    fi
}
D=$TL_TMP/x.db
bad "unknown axis" '"--bandwidth".*axes: rate' exp run --bandwidth 1gbit -o "$D"
bad "unknown AQM" '"tail".*no such AQM.*taildrop, red, codel, pie, fq_codel' exp run --aqm taildrop,tail -o "$D"
bad "buffer of 0" '"0".*holds no packet.*1p' exp run --buffer 1bdp,0 -o "$D"
bad "buffer below one packet" '"100".*' exp run --buffer 100 -o "$D"
bad "bad rate" '--rate "fast"' exp run --rate fast -o "$D"
bad "cc mix wider than the flows" 'flows 1.*--flows 2' exp run --cc cubic:1,bbr:1 --flows 1 -o "$D"
bad "no database" '-o FILE.db' exp run --buffer 1bdp
bad "bad shard" '--shard "3/2"' exp run --shard 3/2 -o "$D"
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=65534 --regid=65534 --clear-groups "$TCPLAB" exp run -t 1s -o "$D" \
        2>"$TL_TMP/err"
    rc=$?
    [ "$rc" = 2 ] && [ "$(grep -c . "$TL_TMP/err")" = 1 ] && grep -q "needs root.*sudo" "$TL_TMP/err" &&
        pass "without root: $(cat "$TL_TMP/err")" || fail "without root: exit $rc: $(cat "$TL_TMP/err")"
fi
[ -e "$D" ] && fail "a refused run created $D" || pass "refused runs create no database"

printf 'title: t\nrate: 10mbit\nbuffer: [1bdp, 2bdp\naqm: codel\n' >"$TL_TMP/syntax.yaml"
bad "plan syntax error, with its line" 'syntax.yaml:[34]:[0-9]+: ' exp run --plan "$TL_TMP/syntax.yaml" -o "$D"
printf 'rate: 10mbit\nbuffers: [1bdp]\n' >"$TL_TMP/key.yaml"
bad "plan with an unknown key, with its line" 'key.yaml:2: unknown key "buffers"' exp run --plan "$TL_TMP/key.yaml" -o "$D"
printf 'rate: 10mbit\naqm: [taildrop, nope]\n' >"$TL_TMP/aqm.yaml"
bad "plan with an unknown AQM" '"nope".*no such AQM' exp run --plan "$TL_TMP/aqm.yaml" -o "$D"

echo "not a database" >"$TL_TMP/text.db"
bad "export of a file that is not a database" 'not a tcplab campaign database' exp export "$TL_TMP/text.db" --csv
sqlite3 "$TL_TMP/other.db" "CREATE TABLE t (x); INSERT INTO t VALUES (1);"
bad "report of another SQLite database" 'other.db is not a tcplab campaign database.*application_id' report "$TL_TMP/other.db" -o "$TL_TMP/r.html"
bad "run into another SQLite database" 'not a tcplab campaign database' exp run -t 1s -o "$TL_TMP/other.db"
eq_tables=$(sqlite3 "$TL_TMP/other.db" "SELECT count(*) FROM sqlite_master")
[ "$eq_tables" = 1 ] && pass "the other database is left untouched" || fail "other.db now has $eq_tables tables"
bad "export without a format" 'csv or --json' exp export "$TL_TMP/other.db"
bad "merge without -o" '-o ALL.db' exp merge "$TL_TMP/other.db"

for plan in window-sweep window-sweep-quick cubic-bbr-fairness cubic-bbr-fairness-quick; do
    n=$("$TCPLAB" exp run --plan "$EX/$plan.yaml" --dry-run | wc -l)
    [ "$n" -gt 0 ] && pass "$plan.yaml expands to $n runs" || fail "$plan.yaml does not expand"
done
eq() { [ "$2" = "$3" ] && pass "$1 ($2)" || fail "$1: got '$2', want '$3'"; }
naqm=$("$TCPLAB" exp run --aqm all --dry-run | wc -l)
[ "$naqm" -ge 5 ] && pass "--aqm all: the testbed's $naqm disciplines" || fail "--aqm all gave $naqm"
eq "--aqm all lists the testbed's own names" \
    "$("$TCPLAB" exp run --aqm all --dry-run | awk '{print $9}' | sort | tr '\n' ' ')" \
    "$("$TCPLAB" exp run --aqm nosuch --dry-run 2>&1 | sed 's/.*the testbed has: //; s/)$//' | tr -d ',' | tr ' ' '\n' | sort | tr '\n' ' ')"
eq "the fairness plan: 5 buffers x every AQM x 3 flow counts x 2 RTTs x 3 runs" \
    "$("$TCPLAB" exp run --plan "$EX/cubic-bbr-fairness.yaml" --dry-run | wc -l)" $((90 * naqm))
eq "the command line overrides the plan's axis" \
    "$("$TCPLAB" exp run --plan "$EX/cubic-bbr-fairness.yaml" --aqm codel --dry-run | wc -l)" 90
finish
