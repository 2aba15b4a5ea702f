#!/bin/sh
# bench/portal.sh — tz-portal under concurrent clients (make bench-portal):
# the ledger page and /api/v1/systems at 5,000 systems / 20,000 hosts,
# requests/s, median and p99 from wrk, and the section "Portal" of
# docs/benchmarks.md written from what was measured.
#
# The register is bench/run.sh's ledger fixture (bench/ledger_fixture.sh:
# loadgen agents with 40 packages, 4 hosts bound by address to each system),
# split into $BENCH_DEPTS departments so a department's viewer has a ledger
# of its own. tz-collector runs on it (logins, bearer tokens); tz-portal opens
# it read-only. Baselines, measured in the same run on the same register:
#   - the server's floor: GET / (login page, no session) and GET /api/v1/me
#     (a bearer token checked, no view): what any request costs;
#   - `tzctl --format json ledger`, a whole process (start, open, query,
#     print), fastest of 5: the same data as an operator gets it in a shell.
# wrk is installed with apt-get if missing (bench only, never by make test).
#
# usage: bench/portal.sh [--build DIR] [--smoke] [--no-doc] [--perf DIR]
#   --smoke   tiny register, 1 s runs, no doc: "does it still run"
#   --perf D  perf record -g the portal during each route's run at the most
#             connections: D/routeN.data and D/routeN.txt (perf report); no doc
#   --keep    leave the work dir (register, tokens in WORK/tokens) for a look
# Environment: BENCH_SECONDS (per run, default 10), BENCH_CONNS (default
# "1 8 32"), BENCH_DEPTS (default 20).
set -eu

BUILD=build
SMOKE=0
DOC=1
PERF=
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --smoke) SMOKE=1; DOC=0; shift ;;
    --no-doc) DOC=0; shift ;;
    --perf) PERF=$2; DOC=0; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: bench/portal.sh [--build DIR] [--smoke] [--no-doc] [--perf DIR] [--keep]" >&2
       exit 2 ;;
    esac
done

SRC=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
BIN=$BUILD/bin
BB=$BUILD/bench
for x in "$BIN/tz-collector" "$BIN/tz-portal" "$BIN/tzctl" "$BB/loadgen" "$BB/rusage"; do
    [ -x "$x" ] || { echo "bench: $x is not built (make build)" >&2; exit 1; }
done
. "$SRC/bench/ledger_fixture.sh"

if [ $SMOKE = 1 ]; then
    SYSTEMS=40; HOSTS=160; DEPTS=4; SECS=1; CONNS="1 4"
else
    SYSTEMS=5000; HOSTS=20000; DEPTS=${BENCH_DEPTS:-20}
    SECS=${BENCH_SECONDS:-10}; CONNS=${BENCH_CONNS:-1 8 32}
fi

if ! command -v wrk >/dev/null; then
    echo "   installing wrk with apt-get (bench only)"
    SUDO=; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -qq update >/dev/null 2>&1 || true
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
        wrk >/dev/null 2>&1 || { echo "bench: apt-get install wrk failed" >&2; exit 1; }
fi
command -v curl >/dev/null || { echo "bench: curl is needed" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tz-portal-bench.XXXXXX")
DATA=$WORK/data
CPID= PPID_=
stop_pid() { # pid: TERM, then wait
    [ -n "$1" ] || return 0
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    stop_pid "$PPID_"
    stop_pid "$CPID"
    if [ $KEEP = 1 ]; then echo "   kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

say() { printf '%s\n' "$*"; }
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
# wait_log FILE PATTERN PID WHAT: until FILE has PATTERN, or PID died.
wait_log() {
    i=0
    until grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 400 ] || ! kill -0 "$3" 2>/dev/null; then
            cat "$1" >&2; echo "bench: $4 did not start" >&2; exit 1
        fi
        sleep 0.05
    done
}
URL=ipc://$WORK/collector.sock
# The time-based recheck (default every 300 s) rewrites every open flag:
# once a day here, so nothing writes to the register while wrk measures.
printf '[collector]\nrecheck_interval = 86400\n' >"$WORK/collector.ini"
start_collector() {
    "$BIN/tz-collector" --data "$DATA" --listen "$URL" --config "$WORK/collector.ini" \
        >>"$WORK/collector.log" 2>&1 &
    CPID=$!
    wait_log "$WORK/collector.log" "listening on" "$CPID" tz-collector
}

say "== tz-portal benchmark: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(date -u '+%Y-%m-%d %H:%M UTC')"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "   load before start: $LOAD0; $SYSTEMS systems, $HOSTS hosts, $DEPTS departments"

# ---- the register ------------------------------------------------------------
T0=$(date +%s)
start_collector
NAMES=
k=1
while [ $k -le "$DEPTS" ]; do
    NAMES="$NAMES${NAMES:+ }$(printf 'dept%02d' $k)"
    k=$((k + 1))
done
for d in $NAMES; do "$BIN/tzctl" --data "$DATA" dept add "$d" >/dev/null; done
ledger_csv "$SYSTEMS" "$HOSTS" $NAMES >"$WORK/ledger.csv"
"$BIN/tzctl" --data "$DATA" system import "$WORK/ledger.csv" >"$WORK/import.out" 2>&1 || {
    head -20 "$WORK/import.out" >&2; echo "bench: ledger import failed" >&2; exit 1; }
k=0
for d in $NAMES; do
    TOKEN=$("$BIN/tzctl" --data "$DATA" token create --dept "$d" 2>/dev/null |
            grep -o 'tz_[A-Za-z0-9_-]*' | head -n 1)
    set -- $(ledger_dept_range "$SYSTEMS" "$HOSTS" "$DEPTS" $k)
    "$BB/loadgen" --url "$URL" --collector-key "$DATA/collector.pub" --token "$TOKEN" \
        --agents "$2" --inflight 64 --packages 40 --mode full --once \
        --first-agent "$1" --quiet >"$WORK/lg.out" 2>&1 || {
        cat "$WORK/lg.out" >&2; echo "bench: loadgen failed" >&2; exit 1; }
    k=$((k + 1))
done
# Stopping evaluates the flags still pending; the portal then reads a
# register nothing writes to.
stop_pid "$CPID"; CPID=
start_collector
# Open flags (systems' and hosts'), for the description of the fixture.
FLAGS=$(( $("$BIN/tzctl" --data "$DATA" --format csv flags | wc -l) - 1 ))
ADMIN_TOKEN=$("$BIN/tzctl" --data "$DATA" user add bench-admin --admin 2>&1 |
              grep -o 'tz[A-Za-z0-9_-]*_[A-Za-z0-9_-]*' | tail -n 1)
VIEW_DEPT=${NAMES%% *}
VIEWER_TOKEN=$("$BIN/tzctl" --data "$DATA" user add bench-viewer --dept "$VIEW_DEPT" \
               --role viewer 2>&1 | grep -o 'tz[A-Za-z0-9_-]*_[A-Za-z0-9_-]*' | tail -n 1)
[ -n "$ADMIN_TOKEN" ] && [ -n "$VIEWER_TOKEN" ] || {
    echo "bench: tzctl user add printed no token" >&2; exit 1; }
printf 'admin %s\nviewer %s\n' "$ADMIN_TOKEN" "$VIEWER_TOKEN" >"$WORK/tokens"
say "   register built in $(($(date +%s) - T0)) s; $FLAGS open flags"

# ---- the portal --------------------------------------------------------------
# wrk's 32 connections and curl come from one address: lift the per-address
# limit (default 32) so the bench measures serving, not refusing.
printf '[portal]\nper_ip_connections = 128\nmax_connections = 256\n' >"$WORK/portal.ini"
"$BIN/tz-portal" --data "$DATA" --listen 127.0.0.1:0 --config "$WORK/portal.ini" \
    >"$WORK/portal.log" 2>&1 &
PPID_=$!
wait_log "$WORK/portal.log" "serving http://" "$PPID_" tz-portal
BASE=$(sed -n 's|.*serving \(http://[0-9.]*:[0-9]*\)/.*|\1|p' "$WORK/portal.log" | head -n 1)
say "   tz-portal: $BASE (pid $PPID_)"

# login TOKEN: the tz_session cookie of a login through the form, as a browser does.
login() {
    rm -f "$WORK/jar"
    curl -s -c "$WORK/jar" -b "$WORK/jar" "$BASE/" >"$WORK/login.html"
    csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$WORK/login.html" | head -n 1)
    code=$(curl -s -o /dev/null -w '%{http_code}' -c "$WORK/jar" -b "$WORK/jar" \
        --data-urlencode "token=$1" --data-urlencode "csrf=$csrf" "$BASE/login")
    [ "$code" = 303 ] || { echo "bench: login answered $code" >&2; exit 1; }
    awk '$6 == "tz_session" { print $7 }' "$WORK/jar"
}
ADMIN_SESSION=$(login "$ADMIN_TOKEN")
VIEWER_SESSION=$(login "$VIEWER_TOKEN")

# The routes: label|path|header ("-": none)|what the body must contain.
ROUTES="GET / (login page, no session: the floor)|/|-|name=\"csrf\"
GET /api/v1/me (bearer token checked, no view)|/api/v1/me|Authorization: Bearer $ADMIN_TOKEN|\"role\":\"admin\"
GET /ledger, admin: whole school + department summary|/ledger|Cookie: tz_session=$ADMIN_SESSION|系统$(printf '%05d' $((SYSTEMS - 1)))
GET /ledger, viewer of $VIEW_DEPT|/ledger|Cookie: tz_session=$VIEWER_SESSION|系统00000
GET /api/v1/systems?per_page=100, admin|/api/v1/systems?per_page=100|Authorization: Bearer $ADMIN_TOKEN|\"total\":$SYSTEMS
GET /api/v1/systems?per_page=1000, admin|/api/v1/systems?per_page=1000|Authorization: Bearer $ADMIN_TOKEN|\"total\":$SYSTEMS
GET /api/v1/systems?per_page=100, viewer of $VIEW_DEPT|/api/v1/systems?per_page=100|Authorization: Bearer $VIEWER_TOKEN|\"total\":$((SYSTEMS / DEPTS))"

# Each route once with curl first: 200, the content expected, its size.
# A route that answers a redirect or an error would be timed as fast.
say "-- checking each route once"
printf '%s\n' "$ROUTES" | while IFS='|' read -r label path hdr want; do
    set -- -s -o "$WORK/body" -w '%{http_code} %{size_download} %{time_total}'
    [ "$hdr" = - ] || set -- "$@" -H "$hdr"
    r=$(curl "$@" "$BASE$path")
    [ "${r%% *}" = 200 ] && grep -qF "$want" "$WORK/body" || {
        head -c 600 "$WORK/body" >&2; echo >&2
        echo "bench: $label answered $r without '$want'" >&2; exit 1; }
    say "    $label: $r"
done

# ---- wrk ---------------------------------------------------------------------
# wrk stops on time with up to 31 requests still queued at the portal (one at
# a time, ~100 ms each for the admin's page): wait until it answers the login
# page at once, or the next run's first requests would wait for them.
drain() {
    i=0
    while [ $i -lt 600 ]; do
        t=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/")
        awk -v t="$t" 'BEGIN { exit !(t < 0.005) }' && return 0
        i=$((i + 1))
    done
    echo "bench: tz-portal did not go idle" >&2; exit 1
}
RESULTS=
say "-- wrk, ${SECS} s per run, connections: $CONNS"
printf '%s\n' "$ROUTES" >"$WORK/routes"
[ -z "$PERF" ] || mkdir -p "$PERF"
n=0
while IFS='|' read -r label path hdr want; do
    n=$((n + 1))
    for c in $CONNS; do
        RPID=
        if [ -n "$PERF" ] && [ "$c" = "${CONNS##* }" ]; then
            # dwarf: the build keeps no frame pointers
            perf record --call-graph dwarf -F 499 -o "$PERF/route$n.data" -p "$PPID_" \
                >/dev/null 2>&1 &
            RPID=$!
        fi
        drain
        set -- -t 1 -c "$c" -d "${SECS}s" --timeout 60s -s "$SRC/bench/portal_wrk.lua"
        [ "$hdr" = - ] || set -- "$@" -H "$hdr"
        wrk "$@" "$BASE$path" >"$WORK/wrk.out" 2>&1 || {
            cat "$WORK/wrk.out" >&2; echo "bench: wrk failed" >&2; exit 1; }
        if [ -n "$RPID" ]; then
            kill -INT "$RPID"; wait "$RPID" || true
            perf report -i "$PERF/route$n.data" --children --percent-limit 1 \
                --stdio -g none 2>/dev/null | head -n 200 >"$PERF/route$n.txt" || true
            say "    perf: $PERF/route$n.txt ($label)"
        fi
        W=$(grep '^WRK ' "$WORK/wrk.out")
        errs=0
        for e in connect read write timeout status; do errs=$((errs + $(field "$W" $e))); done
        [ "$errs" = 0 ] || { cat "$WORK/wrk.out" >&2; echo "bench: $label: errors" >&2; exit 1; }
        say "    $label, $c conn: $W"
        RESULTS="$RESULTS$label|$c|$W
"
    done
done <"$WORK/routes"
kill -0 "$PPID_" || { cat "$WORK/portal.log" >&2; echo "bench: tz-portal died" >&2; exit 1; }

# ---- baseline: the same ledger from tzctl ---------------------------------------
say "-- tzctl --format json ledger, fastest of 5"
tz_wall_ms() {
    "$BB/rusage" -n 5 -o "$WORK/ru.txt" -- "$BIN/tzctl" --data "$DATA" --format json ledger "$@" \
        >"$WORK/q.out" 2>&1 || { cat "$WORK/q.out" >&2; echo "bench: tzctl ledger failed" >&2; exit 1; }
    awk -v w="$(field "$(cat "$WORK/ru.txt")" wall_s)" 'BEGIN{printf "%.1f", w*1000}'
}
TZCTL_ALL=$(tz_wall_ms)
TZCTL_DEPT=$(tz_wall_ms --dept "$VIEW_DEPT")
say "    whole school: $TZCTL_ALL ms; --dept $VIEW_DEPT: $TZCTL_DEPT ms"
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- table, ratios -------------------------------------------------------------
get() { # label conns key
    printf '%s' "$RESULTS" | awk -F'|' -v l="$1" -v c="$2" '$1 == l && $2 == c { print $3 }' |
        tr ' ' '\n' | sed -n "s/^$3=//p"
}
C1=${CONNS%% *}
CMAX=${CONNS##* }
FLOOR_LABEL=$(printf '%s\n' "$ROUTES" | sed -n 1p | cut -d'|' -f1)
ME_LABEL=$(printf '%s\n' "$ROUTES" | sed -n 2p | cut -d'|' -f1)
FLOOR_P50=$(get "$FLOOR_LABEL" "$C1" p50_ms)
TABLE="| request | connections | requests/s | median ms | p99 ms | KB/response | median ÷ GET / | median ÷ \`tzctl ledger\` |
|---|---:|---:|---:|---:|---:|---:|---:|"
while IFS='|' read -r label path hdr want; do
    case "$label" in
    "$FLOOR_LABEL"|"$ME_LABEL") base= ;;
    *viewer*) base=$TZCTL_DEPT ;;
    *) base=$TZCTL_ALL ;;
    esac
    for c in $CONNS; do
        p50=$(get "$label" "$c" p50_ms)
        vs_tz=–
        [ -z "$base" ] || vs_tz=$(awk -v a="$p50" -v b="$base" 'BEGIN{printf "%.2f", a/b}')
        TABLE="$TABLE
| $label | $c | $(awk -v x="$(get "$label" "$c" rps)" 'BEGIN{printf "%.0f", x}') | $(awk -v x="$p50" 'BEGIN{printf "%.2f", x}') | $(awk -v x="$(get "$label" "$c" p99_ms)" 'BEGIN{printf "%.2f", x}') | $(awk -v b="$(get "$label" "$c" bytes_per_req)" 'BEGIN{printf "%.1f", b/1024}') | $(awk -v a="$p50" -v b="$FLOOR_P50" 'BEGIN{printf "%.1f", a/b}') | $vs_tz |"
    done
done <"$WORK/routes"
say ""
say "$TABLE"
say ""
say "   tzctl --format json ledger: $TZCTL_ALL ms (whole school), $TZCTL_DEPT ms (--dept $VIEW_DEPT)"
say "   load after: $LOAD1"

if [ $DOC = 1 ]; then
    OUT=$SRC/docs/benchmarks.md
    {
        say "<!-- portal: begin (bench/portal.sh writes this section; bench/run.sh keeps it) -->"
        say "## Portal"
        say ""
        say "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(uname -sr)."
        say "Run: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$SRC" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes'), build $(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt"). Load average before: $LOAD0; after: $LOAD1."
        say "Reproduce: \`make bench-portal\` (or \`bench/portal.sh --build DIR\`; installs wrk with apt-get)."
        say ""
        say "The register of the ledger queries above ($SYSTEMS systems, $HOSTS hosts with 40"
        say "packages, 4 bound by address to each system, $FLAGS open flags), split into $DEPTS departments"
        say "of $((SYSTEMS / DEPTS)) systems; tz-collector running on it (logins, bearer tokens), nothing"
        say "writing. tz-portal serves one request at a time on one thread. wrk (one thread,"
        say "keep-alive, each connection sends its next request when the answer arrives) ran"
        say "${SECS} s per row on the same 2 cores as the portal; every answer was 200 (checked"
        say "once with curl for its content, then wrk counted no error). The admin's page is"
        say "logged in through the form (cookie), the API with \`Authorization: Bearer\`."
        say "Baselines of the same run: GET / (the login page: the cheapest request, the"
        say "server's floor) and \`tzctl --format json ledger\` on the same register, a whole"
        say "process, fastest of 5: $TZCTL_ALL ms (whole school), $TZCTL_DEPT ms (\`--dept $VIEW_DEPT\`)."
        say "\"median ÷ GET /\" is the row's median over the login page's median at $C1"
        say "connection; \"median ÷ \`tzctl ledger\`\" is over the matching tzctl run (viewer rows:"
        say "\`--dept $VIEW_DEPT\`): above 1, one request waits longer than an operator's"
        say "whole command."
        say ""
        say "$TABLE"
        say ""
        if [ -f "$SRC/docs/portal-notes.md" ]; then
            cat "$SRC/docs/portal-notes.md"
            say ""
        fi
        say "<!-- portal: end -->"
    } >"$WORK/portal.md"
    # Replace the section, or put it before the agent's section the first time.
    awk -v sec="$WORK/portal.md" '
        function emit() { while ((getline l < sec) > 0) print l; done = 1 }
        /^<!-- portal: begin/ { skip = 1; emit(); next }
        skip && /^<!-- portal: end -->/ { skip = 0; next }
        skip { next }
        !done && /^## Agent: one full collection/ { emit(); print "" }
        { print }
        END { if (!done) { print ""; emit() } }' "$OUT" >"$WORK/benchmarks.md"
    cp "$WORK/benchmarks.md" "$OUT"
    say "   wrote the Portal section of $OUT"
fi
