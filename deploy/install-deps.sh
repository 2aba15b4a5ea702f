#!/bin/sh
# install-deps.sh [deb] — install the Debian packages Taizhang builds and
# tests with; with "deb", also what `make deb` and the package test need
# (debhelper, lintian, debootstrap), which `make run` does without.
#
# Idempotent: asks dpkg what is missing and only then runs apt-get (update first,
# once). Quiet when everything is already there, so `make run` stays readable.
set -eu

PKGS="build-essential cmake pkg-config
protobuf-c-compiler libprotobuf-c-dev
libnanomsg-dev liblmdb-dev lmdb-utils libuv1-dev libsodium-dev
libinih-dev libcjson-dev libcriterion-dev
liblz4-dev zlib1g-dev libcrypt-dev libxlsxwriter-dev libmicrohttpd-dev
libexpat1-dev libseccomp-dev
clang libclang-rt-dev"
# The ledgers departments hand in (tzctl system import): .xlsx is a zip
# (collector/sheet_xlsx.c), .xls is read by FreeXL (collector/sheet_xls.c).
PKGS="$PKGS libzip-dev libfreexl-dev"
PKGS="$PKGS unzip"      # tests/integration/test_export.c reads the XLSX back
PKGS="$PKGS libcurl4-openssl-dev"  # SMTP for the e-mail digests (collector/digest_send.c)
# RPM support (agent/collect_rpm.c): librpm-dev to build it; rpm (which has
# rpm and rpmbuild on Debian) for tests/unit/test_collect_rpm.c.
PKGS="$PKGS librpm-dev rpm"
PKGS="$PKGS valgrind"   # for tests/integration/test_valgrind.c
# The browser test (tests/integration/test_portal_browser.c) drives headless
# Chromium through chromedriver.
PKGS="$PKGS chromium chromium-driver"
# tests/integration/test_scan.c runs the screening scan (collector/scan_nmap.c)
# with the real nmap against 127.0.0.2; CI must not skip it (ci-required.txt).
PKGS="$PKGS nmap"
# The build half of this list is debian/control's Build-Depends: keep the
# two in step. dpkg-dev (dpkg-buildpackage) comes with build-essential.
if [ "${1:-}" = deb ]; then
    # make deb: debhelper builds, lintian checks; the package test
    # (tests/integration/test_package.c) installs into a debootstrap root.
    PKGS="$PKGS debhelper lintian debootstrap"
fi

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = "installed" ] || missing="$missing $p"
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "install-deps: need root (or sudo) to install:$missing" >&2
        exit 1
    }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
