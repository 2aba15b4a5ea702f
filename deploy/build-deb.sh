#!/bin/sh
# build-deb.sh OUTDIR [JOBS] — what `make deb` does: the taizhang-agent,
# taizhang-collector and taizhang-portal .debs from a clean copy of this
# tree, checked by lintian (any error fails, warnings are shown) and for
# Debian's hardening, left in OUTDIR. The tree itself is never written:
# dpkg-buildpackage runs in OUTDIR/src/taizhang-VERSION and writes its
# results next to it.
# Up to date (same sources as the last good build): says so and stops.
set -eu

OUT=${1:?usage: build-deb.sh OUTDIR [JOBS]}
JOBS=${2:-$(nproc 2>/dev/null || echo 2)}
TOP=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cd "$TOP"

# The package version follows the project's: debian/changelog's (native,
# no revision) must be CMakeLists.txt's project VERSION.
version=$(dpkg-parsechangelog -S Version)
project=$(sed -n 's/^project(taizhang VERSION \([^ )]*\).*/\1/p' CMakeLists.txt)
if [ "$version" != "$project" ]; then
    echo "deb: debian/changelog says $version, CMakeLists.txt $project:" \
         "add a changelog entry (dch -v $project)" >&2
    exit 1
fi
arch=$(dpkg --print-architecture)

# The sources: what git tracks plus new files it does not ignore (so an
# uncommitted change is packaged as it is tested), else the tree without
# build output.
list_sources() {
    if git rev-parse --show-toplevel >/dev/null 2>&1; then
        git ls-files -z -co --exclude-standard |
            xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh
    else
        find . \( -name .git -o -name 'build*' -o -path ./var \) -prune -o \
            -type f -printf '%P\0'
    fi
}
stamp=$(list_sources | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)

pkgs="taizhang-agent taizhang-collector taizhang-portal"
debs=""
for p in $pkgs; do debs="$debs $OUT/${p}_${version}_$arch.deb"; done
if [ "$(cat "$OUT/.sources" 2>/dev/null)" = "$stamp" ] && ls $debs >/dev/null 2>&1; then
    echo "deb: up to date:"
    for d in $debs; do echo "  $d"; done
    exit 0
fi
rm -f "$OUT/.sources" "$OUT"/*.deb

src="$OUT/src/taizhang-$version"
rm -rf "$OUT/src"
mkdir -p "$src"
list_sources | tar --null -T - -cf - | tar -xf - -C "$src"

echo "deb: dpkg-buildpackage in $src (log: $OUT/build.log)"
start=$(date +%s)
(cd "$src" && dpkg-buildpackage -us -uc -j"$JOBS") >"$OUT/build.log" 2>&1 || {
    tail -n 60 "$OUT/build.log"
    echo "deb: dpkg-buildpackage failed (whole log: $OUT/build.log)" >&2
    exit 1
}
echo "deb: built in $(($(date +%s) - start)) s"

# Debian's hardening, seen where it matters: on the compiler and linker
# lines of the build (dpkg-buildflags with hardening=+all; bookworm's dpkg
# adds no stack-clash or CET flags) and in the binaries (full RELRO, PIE).
for flag in -D_FORTIFY_SOURCE=2 -fstack-protector-strong -Wformat \
            -Werror=format-security -Wl,-z,relro -Wl,-z,now; do
    grep -q -e "$flag" "$OUT/build.log" || {
        echo "deb: the build never used $flag (see $OUT/build.log)" >&2
        exit 1
    }
done
for b in tz-agent tz-collector tzctl tz-portal; do
    bin="$src/obj-$(dpkg-architecture -qDEB_HOST_GNU_TYPE)/bin/$b"
    readelf -lW "$bin" | grep -q GNU_RELRO &&
        readelf -dW "$bin" | grep -q 'BIND_NOW' &&
        readelf -hW "$bin" | grep -q 'DYN (' || {
        echo "deb: $b lacks full RELRO or PIE" >&2
        exit 1
    }
done
grep -h 'warning:' "$OUT/build.log" | sort -u | sed 's/^/deb: compiler /' || true

for p in $pkgs; do mv "$OUT/src/${p}_${version}_$arch.deb" "$OUT/"; done

# lintian on the source package and every .deb; errors fail, the rest shows.
echo "deb: lintian"
if ! lintian --fail-on error --tag-display-limit 0 "$OUT/src/taizhang_$version.dsc" $debs \
        >"$OUT/lintian.log" 2>&1; then
    cat "$OUT/lintian.log"
    echo "deb: lintian found errors" >&2
    exit 1
fi
sed 's/^/  /' "$OUT/lintian.log"
rm -rf "$src"

echo "$stamp" >"$OUT/.sources"
echo "deb: built:"
for d in $debs; do echo "  $d"; done
