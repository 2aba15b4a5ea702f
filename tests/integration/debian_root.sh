#!/bin/sh
# debian_root.sh — a clean Debian root for tests/integration/test_package.c.
#
#   debian_root.sh make DIR [fake-systemd]   DIR: a fresh chroot, /proc mounted
#   debian_root.sh drop DIR                  unmount and delete it
#
# The root is `debootstrap --variant=minbase` of TZ_TEST_SUITE (default: this
# host's release) from the mirror apt on this host is configured with (never
# a name of our own), cached as a tarball in /var/cache/taizhang-test keyed
# by suite and architecture: only the first run on a machine downloads it.
# Packages apt-get fetches into a root are cached there too. No service can
# start in the root: policy-rc.d says 101, and there is no systemd. With
# fake-systemd, the root instead has /run/systemd/system and a systemctl
# (/usr/bin, on apt's DPkg::Path) that only logs what it is asked to
# /var/log/systemctl.log and keeps unit states in /run/fake-systemd, so the
# maintainer scripts' systemd calls can be checked; nothing runs either way.
# Exit status 77: this machine cannot make a root (not root, no debootstrap,
# no mirror); the reason is on stderr.
set -eu

CACHE=${TZ_TEST_CACHE:-/var/cache/taizhang-test}

skip() {
    echo "debian_root: $*" >&2
    exit 77
}

# A root lives under the temp directory in a directory named tz-*, as every
# test directory does; nothing else is ever unmounted or deleted.
check_dir() {
    case "$1" in
    "${TMPDIR:-/tmp}"/tz-*) ;;
    *) echo "debian_root: refusing $1 (not a tz-* test directory)" >&2; exit 1 ;;
    esac
}

# The first mirror apt uses for $1 (one-line or deb822 sources).
mirror_for() {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        awk -v suite="$1" '
            $1 == "deb" {
                i = 2
                if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) == suite) { print $i; exit }
            }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        awk -v suite="$1" '
            BEGIN { RS = ""; FS = "\n" }
            {
                types = uris = suites = ""; enabled = "yes"
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^#/) continue
                    k = tolower($i); sub(/:.*/, "", k)
                    v = $i; sub(/^[^:]*:[ \t]*/, "", v)
                    if (k == "types") types = v
                    else if (k == "uris") uris = v
                    else if (k == "suites") suites = v
                    else if (k == "enabled") enabled = tolower(v)
                }
                if (enabled != "no" && (" " types " ") ~ / deb / &&
                    (" " suites " ") ~ (" " suite " ")) {
                    split(uris, u, /[ \t]+/); print u[1]; exit
                }
            }' "$f"
    done
}

# Make the cached tarball of SUITE for ARCH unless it is there.
tarball() {
    suite=$1 arch=$2 tar="$CACHE/debian-$1-$2-minbase.tar"
    [ -s "$tar" ] && { echo "$tar"; return; }
    command -v debootstrap >/dev/null 2>&1 ||
        skip "debootstrap is not installed (deploy/install-deps.sh deb installs it)"
    mirror=$(mirror_for "$suite" | grep -E '^(https?|file)://' | head -n 1)
    [ -n "$mirror" ] || skip "apt has no deb source for $suite to debootstrap from"
    work="$CACHE/build-$suite-$arch.$$"
    rm -rf "$work"
    mkdir -p "$work"
    echo "debian_root: debootstrap $suite/$arch from $mirror (once per machine)" >&2
    start=$(date +%s)
    if ! debootstrap --variant=minbase --arch="$arch" "$suite" "$work/root" \
            "$mirror" >"$work/debootstrap.log" 2>&1; then
        tail -n 20 "$work/debootstrap.log" >&2
        rm -rf --one-file-system "$work"
        skip "debootstrap $suite from $mirror failed"
    fi
    # The package lists, so that apt-get install ./x.deb finds the libraries.
    cp /etc/resolv.conf "$work/root/etc/resolv.conf"
    chroot "$work/root" apt-get update -qq >>"$work/debootstrap.log" 2>&1 ||
        { tail -n 20 "$work/debootstrap.log" >&2; rm -rf --one-file-system "$work";
          skip "apt-get update in the new root failed"; }
    chroot "$work/root" apt-get clean
    tar -C "$work/root" --numeric-owner -cf "$tar.new" .
    mv "$tar.new" "$tar"
    rm -rf --one-file-system "$work"
    echo "debian_root: $tar made in $(($(date +%s) - start)) s" >&2
    echo "$tar"
}

cmd_make() {
    dir=$1
    check_dir "$dir"
    [ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot, mount)"
    suite=${TZ_TEST_SUITE:-$(. /etc/os-release && echo "$VERSION_CODENAME")}
    arch=$(dpkg --print-architecture)
    mkdir -p "$CACHE/archives-$suite-$arch/partial"
    # One debootstrap at a time per machine; later runs only read the tarball.
    exec 9>"$CACHE/.lock"
    flock 9
    tar=$(tarball "$suite" "$arch")
    flock -u 9
    mkdir -p "$dir"
    tar -C "$dir" --numeric-owner -xf "$tar"

    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
    chmod 755 "$dir/usr/sbin/policy-rc.d"
    if [ "${2:-}" = fake-systemd ]; then
        rm "$dir/usr/sbin/policy-rc.d"
        mkdir -p "$dir/run/systemd/system" "$dir/run/fake-systemd"
        cat >"$dir/usr/bin/systemctl" <<'EOF'
#!/bin/sh
# A systemctl that starts nothing: it logs its arguments and keeps each
# unit's state as a file, as systemd would answer is-active and is-enabled.
echo "$*" >>/var/log/systemctl.log
state=/run/fake-systemd
verb= units=
for a; do
    case "$a" in
    -*) ;;
    *) if [ -z "$verb" ]; then verb=$a; else units="$units $a"; fi ;;
    esac
done
for u in $units; do
    case "$verb" in
    start|restart) touch "$state/$u" ;;
    stop) rm -f "$state/$u" ;;
    is-active) [ -e "$state/$u" ] || exit 3 ;;
    is-enabled) echo enabled ;;
    esac
done
exit 0
EOF
        chmod 755 "$dir/usr/bin/systemctl"
    fi
    mount -t proc proc "$dir/proc"
    mount --bind "$CACHE/archives-$suite-$arch" "$dir/var/cache/apt/archives"
}

cmd_drop() {
    dir=$1
    check_dir "$dir"
    [ -d "$dir" ] || return 0
    # Deepest first; a busy mount is detached lazily so that rm, which stays
    # on this file system, can never reach the host's /proc or the cache.
    for m in $(awk -v d="$dir" 'index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
    if awk -v d="$dir" 'index($2, d "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; then
        echo "debian_root: $dir still has mounts; not deleting it" >&2
        exit 1
    fi
    rm -rf --one-file-system "$dir"
}

case "${1:-}" in
make) cmd_make "${2:?DIR}" "${3:-}" ;;
drop) cmd_drop "${2:?DIR}" ;;
*) echo "usage: debian_root.sh make DIR [fake-systemd] | drop DIR" >&2; exit 2 ;;
esac
