#!/usr/bin/env bash
# The Debian package: dpkg-buildpackage -b on a copy of the source tree must build a .deb
# that holds the binary, every man page, the systemd unit (not enabled by the install)
# and the bash completion, and that lintian passes without errors or warnings.
# DEB_BUILD_OPTIONS=nocheck: the package's own test step runs the unit suite, which make
# test has just run; here it would only double the time.
. "$(dirname "$0")/lib.sh"
src=$(cd "$TESTS_DIR/.." && pwd)
for t in dpkg-buildpackage dh dpkg-deb; do
    command -v "$t" >/dev/null || { echo "skip: $t is not installed (apt-get install dpkg-dev debhelper)"; exit 77; }
done

# A copy of the tree as it is (committed or not), without build directories.
tree=$TL_TMP/src/tcplab
mkdir -p "$tree"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$src" ls-files -co --exclude-standard -z | (cd "$src" && xargs -0 cp --parents -P -t "$tree")
else
    (cd "$src" && tar --exclude='./build*' --exclude=./.git -cf - .) | (cd "$tree" && tar -xf -)
fi

t0=$(date +%s)
if ! (cd "$tree" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -b -us -uc) \
    >"$TL_TMP/build.log" 2>&1; then
    fail "dpkg-buildpackage failed:"
    tail -n 30 "$TL_TMP/build.log"
    finish
fi
echo "built in $(($(date +%s) - t0)) s"
deb=$(ls "$TL_TMP"/src/tcplab_*.deb 2>/dev/null | grep -v dbgsym | head -1)
[ -f "$deb" ] && pass "a .deb was built: $(basename "$deb")" || { fail "no .deb in $TL_TMP/src"; ls "$TL_TMP/src"; finish; }

dpkg -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$TL_TMP/files"
has() { # what PATH
    grep -qx -- "$2" "$TL_TMP/files" && pass "$1: $2" || fail "$1: $2 is not in the package"
}
has "the binary" /usr/bin/tcplab
for page in "$src"/docs/*.1.scd; do
    has "man page" "/usr/share/man/man1/$(basename "$page" .scd).gz"
done
has "the systemd unit" /lib/systemd/system/tcplab.service
has "the bash completion" /usr/share/bash-completion/completions/tcplab
has "the agent's options file" /etc/default/tcplab
grep -q 'libtcplab\.a$' "$TL_TMP/files" && fail "the static library is packaged" || pass "no static library"
grep -q '\.wants/' "$TL_TMP/files" && fail "the package ships an enablement symlink" || pass "no enablement symlink"

# Installed as files: what they are and what the scripts do with the unit.
root=$TL_TMP/root
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$TL_TMP/control"
"$root/usr/bin/tcplab" --version | grep -q '^tcplab ' && pass "the packaged binary runs" ||
    fail "the packaged binary does not run: $("$root/usr/bin/tcplab" --version 2>&1)"
cmp -s "$root/lib/systemd/system/tcplab.service" "$src/contrib/tcplab.service" &&
    pass "the unit is contrib/tcplab.service" || fail "the packaged unit differs from contrib/tcplab.service"
cmp -s "$root/usr/share/bash-completion/completions/tcplab" "$src/contrib/bash-completion/tcplab" &&
    pass "the completion is contrib/bash-completion/tcplab" || fail "the packaged completion differs"
bad=0
for m in "$root"/usr/share/man/man1/*.gz; do
    zcat "$m" | grep -q '^\.TH' || { fail "$(basename "$m") is not a man page"; bad=1; }
done
[ $bad -eq 0 ] && pass "every man page is roff with a .TH header"
# dh_installsystemd --no-enable --no-start: postinst keeps an administrator's enablement
# across upgrades (enable only under "debian-installed" and "was-enabled"), never enables
# on a first install, and starts nothing.
post=$TL_TMP/control/postinst
if [ ! -f "$post" ]; then
    fail "no postinst (dh_installsystemd wrote none)"
elif grep -q 'deb-systemd-invoke\|systemctl' "$post"; then
    fail "postinst starts the unit:"; grep -n 'deb-systemd-invoke\|systemctl' "$post"
elif grep -q 'deb-systemd-helper enable' "$post" && ! grep -q 'deb-systemd-helper debian-installed' "$post"; then
    fail "postinst enables the unit on a first install:"; grep -n 'deb-systemd-helper' "$post"
else
    pass "postinst neither enables nor starts the unit"
fi
if command -v systemd-analyze >/dev/null; then
    sed "s|/usr/bin/tcplab|$root/usr/bin/tcplab|" "$root/lib/systemd/system/tcplab.service" \
        >"$TL_TMP/tcplab.service"
    out=$(systemd-analyze verify --man=no "$TL_TMP/tcplab.service" 2>&1) &&
        pass "systemd-analyze verify: clean" || fail "systemd-analyze verify: $out"
fi

if command -v lintian >/dev/null; then
    lintian --fail-on error,warning --tag-display-limit 0 "$deb" >"$TL_TMP/lintian" 2>&1
    rc=$?
    sed 's/^/  lintian: /' "$TL_TMP/lintian"
    [ $rc -eq 0 ] && pass "lintian: no error or warning" || fail "lintian: exit $rc"
else
    echo "lintian is not installed: not checked"
fi
finish
