#!/usr/bin/env bash
# tcplab report in a real headless Chromium (Debian's chromium): a quick campaign's report
# renders (screenshot), every plot is in the DOM with as many data marks as it announces,
# the campaign-level plots have one mark per point, and the page logs no console error.
# Console errors are read from Chromium's own log (--enable-logging=stderr --v=0), where
# every console message and uncaught exception appears as "CONSOLE" / "Uncaught"; the test
# first proves that a page with a script error is caught that way.
. "$(dirname "$0")/exp_lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "skip: chromium missing (scripts/deps.sh)"; exit 77; }
grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control || modprobe tcp_bbr 2>/dev/null || true
CC=cubic:1,reno:1
grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control && CC=cubic:1,bbr:1

# chrome MODE FILE OUT: --dump-dom to OUT, or --screenshot=OUT; Chromium's log in OUT.log.
chrome() {
    local mode=$1 file=$2 out=$3 prof
    prof=$(mktemp -d "$TL_TMP/prof.XXXX")
    local args=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$prof"
                --enable-logging=stderr --v=0 --window-size=1280,2000 --hide-scrollbars)
    if [ "$mode" = dom ]; then
        timeout 90 "$CHROMIUM" "${args[@]}" --dump-dom "file://$file" >"$out" 2>"$out.log"
    else
        timeout 90 "$CHROMIUM" "${args[@]}" --screenshot="$out" "file://$file" >/dev/null 2>"$out.log"
    fi
}

# The detector works: a script error shows in the log.
printf '<!DOCTYPE html><html><body><script>nosuchfunction();</script></body></html>' >"$TL_TMP/bad.html"
chrome dom "$TL_TMP/bad.html" "$TL_TMP/bad.dom"
grep -q "Uncaught" "$TL_TMP/bad.dom.log" && pass "a console error is detected in Chromium's log" ||
    fail "the console-error detector missed a script error: $(grep -c . "$TL_TMP/bad.dom.log") log lines"

DB=$TL_TMP/r.db
exp_run_all "$DB" --rate 20mbit --rtt 20ms --buffer 0.5bdp,2bdp --aqm taildrop,fq_codel \
    --cc "$CC" --flows 2 -t 2s --warmup 1s --probe=20
rc=$?
eq "campaign" "$rc" 0
[ "$rc" = 0 ] || { tail -5 "$TL_TMP/exp_run_all.err"; q "$DB" "SELECT point, rep, reason FROM runs WHERE status = 'failed'"; }
points=$(q "$DB" "SELECT count(DISTINCT point) FROM runs WHERE status = 'ok'")
"$TCPLAB" report "$DB" -o "$TL_TMP/r.html" --svg "$TL_TMP/svg" >"$TL_TMP/rep.out"
eq "report" "$?" 0
grep -Eiq "(src|href)=['\"]?(https?:|//)" "$TL_TMP/r.html" && fail "the report refers to an external file" ||
    pass "no external reference (offline)"
grep -qi "<script" "$TL_TMP/r.html" && fail "the report has a script" || pass "no script"

chrome shot "$TL_TMP/r.html" "$TL_TMP/r.png"
size=$(stat -c %s "$TL_TMP/r.png" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] && pass "screenshot ($size bytes)" || fail "screenshot missing or blank ($size bytes)"
chrome dom "$TL_TMP/r.html" "$TL_TMP/r.dom"
errs=$(cat "$TL_TMP/r.dom.log" "$TL_TMP/r.png.log" | grep -E "CONSOLE|Uncaught" | grep -c . || true)
eq "console errors" "$errs" 0

# Each plot: <svg class="plot" id=... data-marks="N"> holds N elements of class "mark".
awk '
  /<svg[^>]*class="plot"/ { n++ }
  { s = $0
    while (match(s, /<svg[^>]*class="plot"[^>]*>|class="mark"/)) {
      t = substr(s, RSTART, RLENGTH)
      if (t ~ /^<svg/) {
        match(t, /id="[^"]*"/); id = substr(t, RSTART + 4, RLENGTH - 5)
        match(t, /data-marks="[0-9]*"/); want[id] = substr(t, RSTART + 12, RLENGTH - 13)
        cur = id; order[++k] = id
      } else got[cur]++
      s = substr(s, RSTART + RLENGTH)
    } }
  END { for (i = 1; i <= k; i++) print order[i], want[order[i]], got[order[i]] + 0 }
' "$TL_TMP/r.dom" >"$TL_TMP/marks"
nplots=$(wc -l <"$TL_TMP/marks")
[ "$nplots" -ge 10 ] && pass "$nplots plots in the rendered page" || fail "only $nplots plots rendered"
eq "plots in the page = plots written with --svg" "$nplots" "$(ls "$TL_TMP/svg" | grep -c '\.svg$')"
while read -r id want got; do
    [ "$want" = "$got" ] && [ "$got" -gt 0 ] && pass "plot $id: $got marks" ||
        fail "plot $id: $got marks drawn, $want announced"
done <"$TL_TMP/marks"
for id in share jain utilisation qdelay; do
    eq "plot $id has one mark per point" "$(awk -v i="$id" '$1 == i { print $3 }' "$TL_TMP/marks")" "$points"
done
for id in qdelay-cdf latency-cdf flows-0 queue-0; do
    grep -q "^$id " "$TL_TMP/marks" && pass "plot $id present" || fail "plot $id missing"
done
grep -q "Every point" "$TL_TMP/r.dom" && pass "the points table is there" || fail "no points table"
eq "table rows = points" "$(grep -o '<tr><td>[0-9]*</td>' "$TL_TMP/r.dom" | wc -l)" "$(q "$DB" "SELECT count(*) FROM points")"
grep -q "$(uname -r)" "$TL_TMP/r.dom" && pass "the kernel is in the facts" || fail "no kernel in the facts"

# Facets: the same points again as if with 4 flows (copied rows, another flows value):
# the buffer plots split into one set per flows value, each with its own points.
cp "$DB" "$TL_TMP/f.db"
sqlite3 "$TL_TMP/f.db" "INSERT INTO points SELECT point + 100, rate, rate_bps, rtt, rtt_max_ms,
    senders, buffer, buffer_bdp, buffer_bytes, aqm, aqm_kind, loss, cc, 4, rcvbuf, rcvbuf_bytes,
    window_clamp, window_clamp_bytes, duration_s, warmup_s FROM points;
  INSERT INTO runs SELECT point + 100, rep, status, reason, started_unix, seconds FROM runs;
  INSERT INTO metrics SELECT point + 100, rep, goodput_bps, utilisation, jain, cc_share, cc_ratio,
    rtt_ratio, qdelay_p50_ms, qdelay_p99_ms, drops, marks, retransmits, latency_p50_ms,
    latency_p99_ms FROM metrics;"
"$TCPLAB" report "$TL_TMP/f.db" -o "$TL_TMP/f.html" >/dev/null
for id in share jain utilisation qdelay; do
    eq "facets: $id-1 and $id-2, $points marks each" \
        "$(grep -o "id='$id-[12]' data-marks='$points'" "$TL_TMP/f.html" | wc -l)" 2
done
eq "facet headings" "$(grep -o '<h3>flows [24]</h3>' "$TL_TMP/f.html" | wc -l)" 2
finish
