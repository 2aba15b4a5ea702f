#!/bin/sh
# unit_sandbox.sh — run a script inside the file-system sandbox a systemd
# unit of ours gets (ProtectSystem=strict, StateDirectory=, ReadWritePaths=),
# without systemd: a private mount namespace where every mount is read-only
# except the state directories and the scratch dir, and where the units'
# system users exist (extra /etc/passwd and /etc/group lines, bind-mounted
# over the real ones only inside the namespace). The host is not changed.
#
# usage: unshare --mount --propagation private \
#          sh unit_sandbox.sh SCRATCH [--user NAME]... [--state DIR:OWNER:MODE]... \
#             -- SCRIPT
# SCRATCH stays writable (it stands for the unit's PrivateTmp). Each --state
# DIR becomes an empty tmpfs owned by OWNER with MODE, as systemd makes a
# StateDirectory. SCRIPT runs with sh -c, after everything is read-only.
set -eu

S=$1
shift
users=""
states=""
while [ $# -gt 0 ]; do
    case $1 in
    --user) users="$users $2"; shift 2 ;;
    --state) states="$states $2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unit_sandbox: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ $# -eq 1 ] || { echo "unit_sandbox: need one SCRIPT after --" >&2; exit 2; }

# Our mounts must not leak to the host even if unshare was not told so.
mount --make-rprivate /

# Users the units name, with ids nobody on this host has.
cp /etc/passwd "$S/passwd"
cp /etc/group "$S/group"
id=64100
for u in $users; do
    if ! grep -q "^$u:" "$S/passwd"; then
        while grep -q "^[^:]*:[^:]*:$id:" "$S/passwd" "$S/group"; do id=$((id + 1)); done
        echo "$u:x:$id:$id::/nonexistent:/usr/sbin/nologin" >>"$S/passwd"
        echo "$u:x:$id:" >>"$S/group"
    fi
done
mount --bind "$S/passwd" /etc/passwd
mount --bind "$S/group" /etc/group

# State directories: fresh tmpfs mounts, as systemd would make them. Their
# parent (/var/lib) is covered by a tmpfs that keeps its entries visible
# through bind mounts, so nothing is made on the host's disk.
covered=" "
n=0
for spec in $states; do
    parent=$(dirname "${spec%%:*}")
    case $covered in *" $parent "*) continue ;; esac
    covered="$covered$parent "
    n=$((n + 1))
    mkdir -p "$S/orig-$n"
    mount --bind "$parent" "$S/orig-$n"
    mount -t tmpfs -o mode=0755 tmpfs "$parent"
    for e in "$S/orig-$n"/* "$S/orig-$n"/.[!.]*; do
        [ -e "$e" ] || continue
        if [ -d "$e" ] && [ ! -L "$e" ]; then
            mkdir "$parent/${e##*/}"
        else
            touch "$parent/${e##*/}" 2>/dev/null || continue
        fi
        mount --bind "$e" "$parent/${e##*/}" 2>/dev/null || true
    done
done
for spec in $states; do
    dir=${spec%%:*}
    rest=${spec#*:}
    owner=${rest%%:*}
    mode=${rest#*:}
    # A state dir the host already has (a package installed here) is
    # replaced by an empty one: the test starts from nothing.
    mkdir -p "$dir"
    mount -t tmpfs -o "mode=$mode" tmpfs "$dir"
    chown "$owner:$(id -gn "$owner")" "$dir"
done
mount --bind "$S" "$S"

# ProtectSystem=strict: every other mount read-only. mountinfo escapes
# blanks as \040; such mount points are skipped (none that we need).
keep=" $S "
for spec in $states; do keep="$keep${spec%%:*} "; done
awk '{print $5}' /proc/self/mountinfo | while read -r mp; do
    case $mp in
    /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;;
    esac
    case $keep in *" $mp "*) continue ;; esac
    mount -o remount,bind,ro "$mp" 2>/dev/null || true
done
if touch /.unit_sandbox_probe 2>/dev/null; then
    rm -f /.unit_sandbox_probe
    echo "unit_sandbox: / is still writable" >&2
    exit 1
fi

exec sh -c "$1"
