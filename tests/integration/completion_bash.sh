#!/usr/bin/env bash
# The bash completion (contrib/bash-completion/tcplab), sourced in bash and asked what a
# user's TAB would offer: commands, every option each command's --help shows, and the
# values of options with fixed choices (--cc from this kernel's list).
. "$(dirname "$0")/lib.sh"
comp=$TESTS_DIR/../contrib/bash-completion/tcplab
# shellcheck source=../../contrib/bash-completion/tcplab
. "$comp" || { fail "cannot source $comp"; finish; }

# offer WORD...: what TAB offers after the words (the last one is being completed).
offer() {
    COMP_WORDS=("$TCPLAB" "$@")
    COMP_CWORD=$#
    COMPREPLY=()
    _tcplab
    printf '%s\n' "${COMPREPLY[@]}" | sort
}
# expect "what" "EXPECTED (one per line)" WORD...
expect() {
    local what=$1 want=$2 got
    shift 2
    got=$(offer "$@")
    if [ "$got" = "$(printf '%s\n' "$want" | sort)" ]; then
        pass "$what"
    else
        fail "$what: offered [$(echo $got)], want [$(echo $want)]"
    fi
}

[ "$(complete -p tcplab 2>/dev/null)" = "complete -F _tcplab tcplab" ] &&
    pass "registered for tcplab" || fail "not registered: $(complete -p tcplab 2>&1)"

# Commands: those tcplab --help lists, and help.
cmds=$("$TCPLAB" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ "$(echo "$cmds" | wc -l)" -ge 9 ] || fail "tcplab --help lists $(echo "$cmds" | wc -l) commands"
expect "st<TAB> is stream" stream st
expect "<TAB> lists every command" "$(printf '%s\nhelp\n' "$cmds")" ""
expect "help m<TAB> is mesh" mesh help m

# Every option of every command's help, each offered after "--" (long) or "-" (short).
for c in $cmds; do
    want=$("$TCPLAB" "$c" --help | grep -oE -- '(^|[ ,/[])--?[[:alnum:]][[:alnum:]-]*' |
        sed 's/^[ ,/[]*//' | grep -v -- '-$' | sort -u)
    [ "$c" = testbed ] && continue # per subcommand, below
    [ -n "$want" ] || { fail "$c --help shows no option"; continue; }
    got=$( (offer "$c" --; offer "$c" -) | sort -u)
    missing=$(comm -23 <(echo "$want") <(echo "$got"))
    [ -z "$missing" ] && pass "$c: all $(echo "$want" | wc -l) options of its help" ||
        fail "$c: not offered: $(echo $missing)"
done
grep -qx -- --bidir <(offer stream --) && grep -qx -- --max-tests <(offer serve --) &&
    pass "stream --bidir and serve --max-tests among them" || fail "stream --bidir or serve --max-tests missing"

# --cc: the congestion controls of this kernel, and within a mix.
avail=$(tr ' ' '\n' </proc/sys/net/ipv4/tcp_available_congestion_control | sort -u | grep .)
allowed=$(tr ' ' '\n' </proc/sys/net/ipv4/tcp_allowed_congestion_control 2>/dev/null | sort -u | grep .)
expect "stream --cc <TAB> lists this kernel's congestion controls" \
    "$(printf '%s\n%s\n' "$avail" "$allowed" | sort -u)" stream --cc ""
first=$(echo "$avail" | head -1)
expect "--cc cubic:2,${first:0:1}<TAB> completes the mix's last name" \
    "$(echo "$avail" | grep "^${first:0:1}" | sed 's/^/cubic:2,/')" rr --cc "cubic:2,${first:0:1}"

# Fixed choices, and nothing where a number is due.
expect "mesh --pattern" "$(printf 'ring\nrandom\nall-to-all\npairs')" mesh --pattern ""
expect "mesh --transport u" unix mesh --transport u
expect "crr --close" "$(printf 'client\nserver')" crr --close ""
expect "farm -c" "$(printf 'per-request\npersistent')" farm work -c ""
expect "stream -t: no completion for a time" "" stream -t ""
expect "stream -P 4 --json<TAB>" "$(printf -- '--json\n--json-file\n--json-lines\n--json-lines-file')" stream 127.0.0.1 -P 4 --json
expect "farm <TAB>" "$(printf 'serve\nwork')" farm ""
expect "testbed <TAB>" "$(printf 'up\nset\nstatus\nexec\nlist\ndown')" testbed ""
expect "testbed status --<TAB>" "$(printf -- '--json\n--json-file\n--flows\n--series\n--since\n--help')" testbed status --
expect "testbed up --rev-<TAB>" "$(printf -- '--rev-rate\n--rev-buffer\n--rev-aqm\n--rev-loss\n--rev-jitter')" testbed up --rev-
expect "testbed set x --aqm f<TAB>" fq_codel testbed set x --aqm f
want=$("$TCPLAB" testbed --help | sed -n '/^Link options/,$p' | grep -oE -- '(^|[ ,/[])--[[:alnum:]][[:alnum:]-]*' |
    sed 's/^[ ,/[]*//' | grep -v -- '-$' | sort -u)
missing=$(comm -23 <(echo "$want") <(offer testbed up --))
[ -n "$want" ] && [ -z "$missing" ] && pass "testbed up: all $(echo "$want" | wc -l) link options" ||
    fail "testbed up: not offered: $(echo $missing)"
expect "testbed up --spread <TAB>" "$(printf 'on\noff')" testbed up --spread ""
expect "testbed up --aqm d<TAB>" dualpi2 testbed up --aqm d
expect "testbed up --ppv-class <TAB>" "$(printf 'flow\nhost')" testbed up --ppv-class ""
expect "router <TAB>" "$(printf 'set\nstatus\nlist')" router ""
expect "router set x --aqm g<TAB>" gsp router set --aqm g
port_file=$TL_TMP/portfile.$$
: >"$port_file"
expect "serve --port-file <TAB> completes files" "$port_file" serve --port-file "$TL_TMP/portf"
finish
