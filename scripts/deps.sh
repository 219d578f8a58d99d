#!/usr/bin/env bash
# Installs the Debian packages tcplab needs to build, test and run, if any is missing.
# Safe to run again: it only calls apt-get when something is absent.
set -euo pipefail

# clang, libclang-rt-14-dev: the libFuzzer build (make fuzz, and make test builds it);
# dpkg-dev ... lintian: the Debian package test; bash-completion: the completion test;
# systemd: only for systemd-analyze verify of contrib/tcplab.service (nothing is started).
pkgs=(gcc make pkg-config meson ninja-build libjansson-dev libcmocka-dev libmnl-dev
      jq iproute2 scdoc procps ethtool iputils-ping python3-jsonschema strace
      openmpi-bin libopenmpi-dev libsodium-dev python3-cryptography
      libsqlite3-dev sqlite3 libyaml-dev chromium
      clang libclang-rt-14-dev
      dpkg-dev debhelper fakeroot lintian bash-completion systemd)
[ $# -gt 0 ] && pkgs+=("$@")

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "tcplab: missing Debian packages: ${missing[*]}" >&2
    echo "        run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "tcplab: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/tcplab-apt.log 2>&1; then
    apt-get update -q >/tmp/tcplab-apt.log 2>&1 || true
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/tcplab-apt.log 2>&1 || {
        echo "tcplab: apt-get install failed; see /tmp/tcplab-apt.log" >&2; exit 1; }
fi
