#!/bin/sh
# bench/run.sh — every Taizhang benchmark in one run and one process tree, one
# table, and docs/benchmarks.md written from what was measured (never edit
# that file's figures by hand; run `make bench` again).
#
#   (a) the raw LMDB baseline: the same report bytes, the same batch size
#   (b) full-report ingest, group commit (default) and --max-batch 1
#   (c) delta ingest (one section changed: host; and packages)
#   (d) ledger queries at 5,000 systems / 20,000 hosts, if tzctl has them
#   (e) one full collection on this machine: tz-agent against
#       ocsinventory-agent and fusioninventory-inventory (installed here with
#       apt-get, never by make test)
# tz-portal has its own run, bench/portal.sh (make bench-portal): its section
# of docs/benchmarks.md is carried over unchanged when this one rewrites it.
#
# usage: bench/run.sh [--build DIR] [--smoke] [--no-peers] [--no-doc]
#   --smoke     tiny sizes, ipc://, no peers, no doc: "does it still run"
# Environment: BENCH_AGENTS, BENCH_INFLIGHT, BENCH_SECONDS, BENCH_PACKAGES.
set -eu

BUILD=build
SMOKE=0
PEERS=1
DOC=1
while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --smoke) SMOKE=1; PEERS=0; DOC=0; shift ;;
    --no-peers) PEERS=0; shift ;;
    --no-doc) DOC=0; shift ;;
    *) echo "usage: bench/run.sh [--build DIR] [--smoke] [--no-peers] [--no-doc]" >&2
       exit 2 ;;
    esac
done

SRC=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
BIN=$BUILD/bin
BB=$BUILD/bench
for x in "$BIN/tz-collector" "$BIN/tzctl" "$BIN/tz-agent" "$BB/loadgen" \
         "$BB/lmdb_baseline" "$BB/rusage" "$BB/weakpw_time"; do
    [ -x "$x" ] || { echo "bench: $x is not built (make build)" >&2; exit 1; }
done

if [ $SMOKE = 1 ]; then
    AGENTS=4; INFLIGHT=2; SECONDS_FULL=1; SECONDS_DELTA=1; PACKAGES=100
    BASE_COUNT=40; LEDGER_SYSTEMS=20; LEDGER_HOSTS=80
else
    AGENTS=${BENCH_AGENTS:-200}; INFLIGHT=${BENCH_INFLIGHT:-64}
    SECONDS_FULL=${BENCH_SECONDS:-20}; SECONDS_DELTA=${BENCH_SECONDS:-15}
    PACKAGES=${BENCH_PACKAGES:-1500}
    BASE_COUNT=20000; LEDGER_SYSTEMS=5000; LEDGER_HOSTS=20000
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tz-bench.XXXXXX")
CPID=
cleanup() {
    if [ -n "$CPID" ]; then kill "$CPID" 2>/dev/null || true; wait "$CPID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

say() { printf '%s\n' "$*"; }
# value of key=... in a RESULT/RUSAGE line
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

N=0
XPORT=tcp   # the transport start_collector listens on: tcp (loopback) or ipc
URL=
DATA=
# start_collector [collector flags...]: a fresh register each time. The
# per-agent limits are off: loadgen's agents each send hundreds of reports a
# minute on purpose, and the bench measures throughput, not the quotas.
start_collector() {
    N=$((N + 1))
    DATA=$WORK/data$N
    printf '[collector]\nquota_reports_per_hour = 0\nquota_bytes_per_day = 0\nquota_hosts_per_token = 0\nquota_hosts_per_dept = 0\n' \
        >"$WORK/collector.ini"
    if [ $SMOKE = 1 ] || [ "$XPORT" = ipc ]; then URL=ipc://$WORK/c$N.sock
    else URL=tcp://127.0.0.1:$((17000 + ($$ % 2000) + N)); fi
    "$BIN/tz-collector" --data "$DATA" --listen "$URL" --config "$WORK/collector.ini" "$@" \
        >"$WORK/collector$N.log" 2>&1 &
    CPID=$!
    i=0
    until grep -q "listening on" "$WORK/collector$N.log" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 200 ] || ! kill -0 "$CPID" 2>/dev/null; then
            cat "$WORK/collector$N.log" >&2; echo "bench: collector did not start" >&2; exit 1
        fi
        sleep 0.05
    done
    "$BIN/tzctl" --data "$DATA" dept add bench >/dev/null
    TOKEN=$("$BIN/tzctl" --data "$DATA" token create --dept bench 2>/dev/null |
            grep -o 'tz_[A-Za-z0-9_-]*' | head -n 1)
    [ -n "$TOKEN" ] || { echo "bench: no enrollment token" >&2; exit 1; }
}

stop_collector() {
    kill -TERM "$CPID"
    wait "$CPID" || true
    CPID=
}

# Mean requests per write transaction so far: accepted / batches.
mean_batch() {
    "$BIN/tzctl" --data "$DATA" --format csv stats |
        awk -F, '$1=="accepted"{a=$2} $1=="batches"{b=$2} END{if(b>0) printf "%.1f", a/b; else print "-"}'
}

# loadgen ARGS...: runs against the current collector; prints its output;
# RESULT holds the RESULT line. Any non-OK Ack fails the whole run.
loadgen() {
    "$BB/loadgen" --url "$URL" --collector-key "$DATA/collector.pub" \
        --token "$TOKEN" "$@" >"$WORK/lg.out" 2>&1 || {
        cat "$WORK/lg.out" >&2; echo "bench: loadgen failed" >&2; exit 1; }
    sed 's/^/    /' "$WORK/lg.out"
    RESULT=$(grep '^RESULT ' "$WORK/lg.out")
}

say "== Taizhang benchmarks: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(date -u '+%Y-%m-%d %H:%M UTC')"
say "   load before start: $(cut -d' ' -f1-3 /proc/loadavg); agents $AGENTS, in flight $INFLIGHT, packages $PACKAGES"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- (a) raw baseline -------------------------------------------------------
say "-- (a) LMDB baseline: same report bytes, batch $INFLIGHT (= most the collector can batch with $INFLIGHT in flight) and 1"
"$BB/lmdb_baseline" --dir "$WORK/lmdb64" --count $BASE_COUNT --agents "$AGENTS" \
    --batch "$INFLIGHT" --packages "$PACKAGES" >"$WORK/b.out"
sed 's/^/    /' "$WORK/b.out"
RAW_RPS=$(field "$(grep ^RESULT "$WORK/b.out")" rps)
RAW_MBPS=$(field "$(grep ^RESULT "$WORK/b.out")" mbps)
"$BB/lmdb_baseline" --dir "$WORK/lmdb1" --count $((BASE_COUNT / 4)) --agents "$AGENTS" \
    --batch 1 --packages "$PACKAGES" >"$WORK/b1.out"
sed 's/^/    /' "$WORK/b1.out"
RAW1_RPS=$(field "$(grep ^RESULT "$WORK/b1.out")" rps)
RAW1_MBPS=$(field "$(grep ^RESULT "$WORK/b1.out")" mbps)
rm -rf "$WORK/lmdb64" "$WORK/lmdb1"

# ---- (b) full-report ingest ------------------------------------------------
say "-- (b) full reports, group commit (default --max-batch)"
start_collector
loadgen --agents "$AGENTS" --inflight "$INFLIGHT" --packages "$PACKAGES" \
    --mode full --duration "$SECONDS_FULL"
FULL=$RESULT; FULL_BATCH=$(mean_batch)
say "    mean requests per transaction: $FULL_BATCH"
stop_collector

say "-- (b) full reports, --max-batch 1 (no group commit)"
start_collector --max-batch 1
loadgen --agents "$AGENTS" --inflight "$INFLIGHT" --packages "$PACKAGES" \
    --mode full --duration "$SECONDS_FULL"
FULL1=$RESULT; FULL1_BATCH=$(mean_batch)
stop_collector

# ---- (c) delta ingest -------------------------------------------------------
say "-- (c) delta reports: host section changed (uptime), the rest hashed"
start_collector
loadgen --agents "$AGENTS" --inflight "$INFLIGHT" --packages "$PACKAGES" \
    --mode delta --delta-section host --duration "$SECONDS_DELTA"
DELTA=$RESULT; DELTA_BATCH=$(mean_batch)
say "    mean requests per transaction: $DELTA_BATCH"
say "-- (c) delta reports: packages section changed (one version bumped)"
loadgen --agents "$AGENTS" --inflight "$INFLIGHT" --packages "$PACKAGES" \
    --mode delta --delta-section packages --duration "$SECONDS_DELTA" \
    --first-agent 100000
DELTAP=$RESULT
stop_collector

say "-- (c) delta reports: host section changed, $((INFLIGHT * 4)) in flight (bigger batches)"
start_collector
loadgen --agents "$AGENTS" --inflight $((INFLIGHT * 4)) --packages "$PACKAGES" \
    --mode delta --delta-section host --duration "$SECONDS_DELTA"
DELTA4=$RESULT; DELTA4_BATCH=$(mean_batch)
say "    mean requests per transaction: $DELTA4_BATCH"
stop_collector

# ---- (b, c) the same over ipc:// ---------------------------------------------
XPORT=ipc
say "-- (b) full reports over ipc://, group commit"
start_collector
loadgen --agents "$AGENTS" --inflight "$INFLIGHT" --packages "$PACKAGES" \
    --mode full --duration "$SECONDS_DELTA"
FULLIPC=$RESULT; FULLIPC_BATCH=$(mean_batch)
stop_collector
say "-- (c) delta reports over ipc://: host section changed"
start_collector
loadgen --agents "$AGENTS" --inflight "$INFLIGHT" --packages "$PACKAGES" \
    --mode delta --delta-section host --duration "$SECONDS_DELTA"
DELTAIPC=$RESULT; DELTAIPC_BATCH=$(mean_batch)
stop_collector
XPORT=tcp

# ---- (d) ledger queries ----------------------------------------------------
HELP=$("$BIN/tzctl" --help 2>&1 || true)
has_cmd() { printf '%s\n' "$HELP" | grep -Eq "^  $1( |\$)"; }
LEDGER_NOTE=
LEDGER_ROWS=
if has_cmd systems && has_cmd "system import"; then
    say "-- (d) ledger: $LEDGER_SYSTEMS systems, $LEDGER_HOSTS hosts"
    start_collector
    # One system per 4 hosts, bound by address (bench/ledger_fixture.sh).
    . "$SRC/bench/ledger_fixture.sh"
    ledger_csv "$LEDGER_SYSTEMS" "$LEDGER_HOSTS" bench >"$WORK/ledger.csv"
    "$BIN/tzctl" --data "$DATA" system import "$WORK/ledger.csv" >"$WORK/import.out" 2>&1 || {
        head -20 "$WORK/import.out" >&2; echo "bench: ledger import failed" >&2; exit 1; }
    loadgen --agents "$LEDGER_HOSTS" --inflight "$INFLIGHT" --packages 40 --mode full \
        --once --first-agent 1 --quiet
    stop_collector
    # name|command: each timed best of 5 (wall), tzctl opening the register
    # read-only as an operator would.
    ledger_time() {
        "$BB/rusage" -n 5 -o "$WORK/ru.txt" -- "$@" >"$WORK/q.out" 2>&1 || {
            cat "$WORK/q.out" >&2; echo "bench: $* failed" >&2; exit 1; }
        R=$(cat "$WORK/ru.txt")
        ROWS=$(($(wc -l <"$WORK/q.out") / 5 - 1))   # 5 runs' output, one header each
        WALL_MS=$(awk -v w="$(field "$R" wall_s)" 'BEGIN{printf "%.1f", w*1000}')
    }
    ledger_time "$BIN/tzctl" --data "$DATA" --format csv systems
    LEDGER_SYSTEMS_MS=$WALL_MS; LEDGER_SYSTEMS_N=$ROWS
    LEDGER_ROWS="tzctl systems ($ROWS rows)|$WALL_MS"
    ledger_time "$BIN/tzctl" --data "$DATA" --format csv systems --dept bench
    LEDGER_ROWS="$LEDGER_ROWS
tzctl systems --dept bench ($ROWS rows)|$WALL_MS"
    ledger_time "$BIN/tzctl" --data "$DATA" system show "$(printf '系统%05d' $((LEDGER_SYSTEMS / 2)))"
    LEDGER_ROWS="$LEDGER_ROWS
tzctl system show (one system and its hosts)|$WALL_MS"
    ledger_time "$BIN/tzctl" --data "$DATA" --format csv hosts
    LEDGER_HOSTS_MS=$WALL_MS; LEDGER_HOSTS_N=$ROWS
    # Checks the fixture, not speed: hosts whose system_id (last column) is set.
    BOUND=$(awk -F, 'NR > 1 && $NF != "" { n++ } END { print n + 0 }' "$WORK/q.out")
    say "    hosts bound to a system: $((BOUND / 5)) of $ROWS"
    LEDGER_ROWS="$LEDGER_ROWS
tzctl hosts, with each host's system ($ROWS rows)|$WALL_MS"
    if has_cmd ledger; then
        ledger_time "$BIN/tzctl" --data "$DATA" --format csv ledger --dept bench
        LEDGER_SYSTEMS_MS=$WALL_MS
        LEDGER_ROWS="$LEDGER_ROWS
tzctl ledger --dept bench ($ROWS rows)|$WALL_MS"
    else
        LEDGER_NOTE="(no \`tzctl ledger\` command in this build: \`tzctl systems\` is the ledger query timed)"
    fi
    # A ledger change: tzctl stores it, then re-evaluates the flags of what
    # it touched (the system and its 4 hosts); a fresh owner each run.
    ledger_time sh -c '"$1" --data "$2" system set "$3" owner="负责人$(od -An -N4 -tu4 /dev/urandom | tr -d " ")"' \
        sh "$BIN/tzctl" "$DATA" "$(printf '系统%05d' $((LEDGER_SYSTEMS / 3)))"
    LEDGER_ROWS="$LEDGER_ROWS
tzctl system set (one field; its system's and hosts' flags re-evaluated)|$WALL_MS"
    printf '%s\n' "$LEDGER_ROWS" | sed 's/^/    /; s/|/: /; s/$/ ms/'
    [ -z "$LEDGER_NOTE" ] || say "    $LEDGER_NOTE"
else
    LEDGER_NOTE="ledger query: not measured (no ledger commands in this build)"
    say "-- (d) $LEDGER_NOTE"
fi

# ---- (e) agent collection against the peers ---------------------------------
say "-- (e) one full collection on this machine"
"$BB/rusage" -n 5 -o "$WORK/ru.txt" -- "$BIN/tz-agent" --print --format json >"$WORK/agent.json"
AGENT=$(cat "$WORK/ru.txt")
"$BIN/tz-agent" --print --format json >"$WORK/agent1.json"
AGENT_SECTIONS=
for s in host hardware interfaces packages patch accounts ssh listeners; do
    if grep -q "\"$s\":" "$WORK/agent1.json"; then AGENT_SECTIONS="$AGENT_SECTIONS${AGENT_SECTIONS:+, }$s"; fi
done
say "    tz-agent sections in this build: $AGENT_SECTIONS"
say "    tz-agent --print --format json: $AGENT ($(($(wc -c <"$WORK/agent.json") / 5)) bytes of JSON)"
say "-- (f) weak-password check, per account (whole dictionary, nothing matches)"
WEAK_TABLE=$("$BB/weakpw_time" "$SRC/schemas/weak-passwords.txt")
say "$WEAK_TABLE"
OCS= FUSION= PEER_NOTE=
if [ $PEERS = 1 ]; then
    if ! command -v ocsinventory-agent >/dev/null || ! command -v fusioninventory-inventory >/dev/null; then
        say "    installing ocsinventory-agent and fusioninventory-agent with apt-get (bench only)"
        SUDO=; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
        if ! { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -qq update >/dev/null 2>&1 || true
               $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
                   ocsinventory-agent fusioninventory-agent >"$WORK/apt.log" 2>&1; }; then
            PEER_NOTE="peer agents could not be installed (apt-get failed: $(tail -n 1 "$WORK/apt.log"))"
        fi
    fi
    if command -v ocsinventory-agent >/dev/null; then
        mkdir -p "$WORK/ocs"
        # -n 2: the first run also warms the page cache the way tz-agent's had.
        if "$BB/rusage" -n 2 -o "$WORK/ru.txt" -- ocsinventory-agent --local="$WORK/ocs" \
               >"$WORK/ocs.log" 2>&1; then
            OCS=$(cat "$WORK/ru.txt")
            say "    ocsinventory-agent --local: $OCS"
        else
            PEER_NOTE="$PEER_NOTE ocsinventory-agent failed: $(tail -n 1 "$WORK/ocs.log")"
        fi
    else
        PEER_NOTE="${PEER_NOTE:-ocsinventory-agent is not installed}"
    fi
    if command -v fusioninventory-inventory >/dev/null; then
        if "$BB/rusage" -n 2 -o "$WORK/ru.txt" -- fusioninventory-inventory \
               >"$WORK/fusion.xml" 2>"$WORK/fusion.log"; then
            FUSION=$(cat "$WORK/ru.txt")
            say "    fusioninventory-inventory: $FUSION"
        else
            PEER_NOTE="$PEER_NOTE fusioninventory-inventory failed: $(tail -n 1 "$WORK/fusion.log")"
        fi
    fi
    [ -z "$PEER_NOTE" ] || say "    $PEER_NOTE"
else
    PEER_NOTE="peer agents not run (--no-peers or --smoke)"
fi
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- table, ratios, goals --------------------------------------------------
f1() { awk -v x="$1" 'BEGIN{printf "%.0f", x}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "n/a" }'; }
ms1() { awk -v x="$1" 'BEGIN{printf "%.1f", x*1000}'; }
mb1() { awk -v x="$1" 'BEGIN{printf "%.1f", x/1024}'; }

TABLE="| measurement | reports/s | MB/s | p50 ack ms | p99 ack ms | KB/report | requests per commit |
|---|---:|---:|---:|---:|---:|---:|
| (a) LMDB baseline, batch $INFLIGHT | $(f1 "$RAW_RPS") | $RAW_MBPS | – | – | – | $INFLIGHT |
| (a) LMDB baseline, batch 1 | $(f1 "$RAW1_RPS") | $RAW1_MBPS | – | – | – | 1 |"
row() { # label RESULT batch
    TABLE="$TABLE
| $1 | $(f1 "$(field "$2" rps)") | $(field "$2" mbps) | $(field "$2" p50_ms) | $(field "$2" p99_ms) | $(awk -v b="$(field "$2" bytes_per_report)" 'BEGIN{printf "%.1f", b/1024}') | $3 |"
}
row "(b) full reports, group commit" "$FULL" "$FULL_BATCH"
row "(b) full reports, --max-batch 1" "$FULL1" "$FULL1_BATCH"
row "(c) delta reports, host changed" "$DELTA" "$DELTA_BATCH"
row "(c) delta reports, packages changed" "$DELTAP" "–"
row "(c) delta reports, host changed, $((INFLIGHT * 4)) in flight" "$DELTA4" "$DELTA4_BATCH"
row "(b) full reports over ipc://, group commit" "$FULLIPC" "$FULLIPC_BATCH"
row "(c) delta reports over ipc://, host changed" "$DELTAIPC" "$DELTAIPC_BATCH"

AG_TABLE="| agent, one full collection | wall s | CPU s (user+sys) | peak RSS MB |
|---|---:|---:|---:|
| tz-agent --print --format json | $(field "$AGENT" wall_s) | $(field "$AGENT" cpu_s) | $(mb1 "$(field "$AGENT" maxrss_kb)") |"
[ -z "$OCS" ] || AG_TABLE="$AG_TABLE
| ocsinventory-agent --local=DIR | $(field "$OCS" wall_s) | $(field "$OCS" cpu_s) | $(mb1 "$(field "$OCS" maxrss_kb)") |"
[ -z "$FUSION" ] || AG_TABLE="$AG_TABLE
| fusioninventory-inventory | $(field "$FUSION" wall_s) | $(field "$FUSION" cpu_s) | $(mb1 "$(field "$FUSION" maxrss_kb)") |"

FULL_RPS=$(field "$FULL" rps); FULL1_RPS=$(field "$FULL1" rps); DELTA_RPS=$(field "$DELTA" rps)
AG_CPU=$(field "$AGENT" cpu_s); AG_RSS=$(field "$AGENT" maxrss_kb)
RATIOS="- collector full ingest / LMDB baseline (batch $INFLIGHT): $(ratio "$FULL_RPS" "$RAW_RPS") (reports/s)
- collector full ingest with --max-batch 1 / LMDB baseline (batch 1): $(ratio "$FULL1_RPS" "$RAW1_RPS")
- group commit / --max-batch 1: $(ratio "$FULL_RPS" "$FULL1_RPS")
- delta / full reports: $(ratio "$DELTA_RPS" "$FULL_RPS")"
PEER_CPU_MIN=
for P in "$OCS" "$FUSION"; do
    [ -n "$P" ] || continue
    c=$(field "$P" cpu_s)
    if [ -z "$PEER_CPU_MIN" ] || awk -v a="$c" -v b="$PEER_CPU_MIN" 'BEGIN{exit !(a<b)}'; then PEER_CPU_MIN=$c; fi
done
[ -z "$OCS" ] || RATIOS="$RATIOS
- ocsinventory-agent / tz-agent: CPU $(ratio "$(field "$OCS" cpu_s)" "$AG_CPU")×, wall $(ratio "$(field "$OCS" wall_s)" "$(field "$AGENT" wall_s)")×, peak RSS $(ratio "$(field "$OCS" maxrss_kb)" "$AG_RSS")×"
[ -z "$FUSION" ] || RATIOS="$RATIOS
- fusioninventory-inventory / tz-agent: CPU $(ratio "$(field "$FUSION" cpu_s)" "$AG_CPU")×, wall $(ratio "$(field "$FUSION" wall_s)" "$(field "$AGENT" wall_s)")×, peak RSS $(ratio "$(field "$FUSION" maxrss_kb)" "$AG_RSS")×"

# goal NAME MEASURED_TEXT MET(0/1) MARGIN_TEXT
GOALS=
goal() { GOALS="$GOALS
| $1 | $2 | $([ "$3" = 1 ] && echo met || echo '**missed**') | $4 |"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN{print (a>=b)?1:0}'; }
pctof() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.0f%%", 100*a/b; else print "n/a" }'; }
goal "full-report ingest ≥ 2,000 reports/s" "$(f1 "$FULL_RPS") reports/s" \
    "$(ge "$FULL_RPS" 2000)" "$(pctof "$FULL_RPS" 2000) of goal"
goal "full-report ingest ≥ 50% of the raw LMDB baseline" \
    "$(pctof "$FULL_RPS" "$RAW_RPS") of $(f1 "$RAW_RPS") reports/s" \
    "$(ge "$(awk -v a="$FULL_RPS" -v b="$RAW_RPS" 'BEGIN{print a/b}')" 0.5)" \
    "$(awk -v a="$FULL_RPS" -v b="$RAW_RPS" 'BEGIN{printf "%.1f×", (a/b)/0.5}') of goal"
goal "delta ingest ≥ 50,000 reports/s" "$(f1 "$DELTA_RPS") reports/s" \
    "$(ge "$DELTA_RPS" 50000)" "$(pctof "$DELTA_RPS" 50000) of goal"
if [ -n "${LEDGER_SYSTEMS_MS:-}" ]; then
    goal "ledger query at $LEDGER_SYSTEMS systems < 50 ms" "$LEDGER_SYSTEMS_MS ms" \
        "$(awk -v a="$LEDGER_SYSTEMS_MS" 'BEGIN{print (a<50)?1:0}')" \
        "$(awk -v a="$LEDGER_SYSTEMS_MS" 'BEGIN{printf "%.2f× the limit", a/50}')"
else
    GOALS="$GOALS
| ledger query at 5,000 systems < 50 ms | not measured | – | no ledger commands in this build |"
fi
goal "agent peak RSS ≤ 5 MB" "$(mb1 "$AG_RSS") MB" "$(ge 5120 "$AG_RSS")" \
    "$(pctof "$AG_RSS" 5120) of the limit"
if [ -n "$PEER_CPU_MIN" ]; then
    R=$(ratio "$PEER_CPU_MIN" "$AG_CPU")
    goal "agent CPU ≥ 10× less than the faster peer" "${R}× less" \
        "$(ge "$R" 10)" "$(awk -v r="$R" 'BEGIN{printf "%.1f× the goal", r/10}')"
else
    GOALS="$GOALS
| agent CPU ≥ 10× less than the faster peer | not measured | – | ${PEER_NOTE:-no peer ran} |"
fi
GOALS="| goal | measured | | by how much |
|---|---|---|---|$GOALS"

say ""
say "$TABLE"
say ""
say "$AG_TABLE"
say ""
say "$RATIOS"
[ -z "$PEER_NOTE" ] || say "- $PEER_NOTE"
[ -z "$LEDGER_NOTE" ] || say "- $LEDGER_NOTE"
say ""
say "$GOALS"
say "   load after: $LOAD1"

if [ $DOC = 1 ]; then
    OUT=$SRC/docs/benchmarks.md
    mkdir -p "$SRC/docs"
    # bench/portal.sh (make bench-portal) writes the Portal section; kept as it is.
    PORTAL_SECTION=
    [ ! -f "$OUT" ] ||
        PORTAL_SECTION=$(sed -n '/^<!-- portal: begin/,/^<!-- portal: end -->/p' "$OUT")
    {
        say "# Benchmarks"
        say ""
        say "<!-- Generated by bench/run.sh (make bench). Do not edit the figures by hand: run it again. -->"
        say ""
        say "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)."
        say "Run: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$SRC" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes'). Load average before: $LOAD0; after: $LOAD1."
        say ""
        say "All figures come from **one run** of \`make bench\` on a shared 2-core machine;"
        say "expect a few percent of noise between runs, more if other work was running (see the load)."
        say "The collector runs with durable sync (LMDB's default: every commit is fsynced) over"
        say "\`tcp://\` on loopback unless a row says \`ipc://\`; tz-collector, loadgen and tzctl"
        say "share the same cores. The goals below are judged on the tcp:// rows at $INFLIGHT in flight."
        say ""
        say "## Ingest"
        say ""
        say "$AGENTS simulated agents (bench/loadgen.c), each with its own X25519 key, enrolled with a"
        say "department token; $INFLIGHT requests in flight (one REQ socket each); every Ack checked"
        say "(authenticated, OK, its seq). Full reports carry every section: host, hardware and"
        say "interfaces from this machine, $PACKAGES packages grown from this machine's dpkg database"
        say "(varied per agent: a few dropped, renamed, upgraded), synthesised patch, accounts, ssh"
        say "and listeners; each full report is one day later (uptime changed). Delta reports carry"
        say "one changed section and the hashes of all, as agent/session.c sends them. Each row ran"
        say "${SECONDS_FULL} s (full) / ${SECONDS_DELTA} s (delta) after enrollment, against a fresh register."
        say "The LMDB baseline (bench/lmdb_baseline.c) writes the same packed reports, 8-byte key →"
        say "bytes, one synced transaction per batch: the limit for any collector on this disk."
        say ""
        say "$TABLE"
        say ""
        say "## Ledger queries"
        say ""
        if [ -n "$LEDGER_ROWS" ]; then
            say "$LEDGER_HOSTS hosts (loadgen agents with 40 packages each) and $LEDGER_SYSTEMS systems"
            say "imported with \`tzctl system import\`, each system bound by address to 4 hosts."
            say "Wall time of the whole tzctl process (start, open the register, query, print CSV),"
            say "fastest of 5."
            say ""
            say "| query | wall ms |"
            say "|---|---:|"
            printf '%s\n' "$LEDGER_ROWS" | sed 's/^/| /; s/|\([^|]*\)$/| \1 |/'
            [ -z "$LEDGER_NOTE" ] || { say ""; say "$LEDGER_NOTE"; }
        else
            say "$LEDGER_NOTE"
        fi
        say ""
        if [ -n "$PORTAL_SECTION" ]; then
            say "$PORTAL_SECTION"
            say ""
        fi
        say "## Agent: one full collection on this machine"
        say ""
        say "bench/rusage.c runs the command and reads wait4(): fastest wall time of the runs, mean"
        say "CPU (user+sys, children included), largest peak RSS. tz-agent: 5 runs; peers: 2 runs."
        say "Peers are the Debian packages ocsinventory-agent and fusioninventory-agent, installed"
        say "by bench/run.sh only. tz-agent in this build collects: $AGENT_SECTIONS."
        say "The peers collect other things too (they run dmidecode, lspci and friends), so this"
        say "compares one full inventory run of each agent as shipped, not identical work."
        say ""
        say "$AG_TABLE"
        [ -z "$PEER_NOTE" ] || { say ""; say "$PEER_NOTE"; }
        say ""
        say "## Weak-password check, per account"
        say ""
        say "Not part of the figures above (tz-agent --print on this machine checks only its"
        say "own accounts). bench/weakpw_time.c runs the agent's weakpw_check on one account per"
        say "hash scheme, libxcrypt's default cost, the whole dictionary"
        say "(schemas/weak-passwords.txt) plus username variants, no bound: the worst case,"
        say "a password that is not weak. The agent bounds this per account (weak_max_ms,"
        say "weak_max_candidates) and says when a check was cut short."
        say ""
        say "$WEAK_TABLE"
        say ""
        say "## Ratios"
        say ""
        say "$RATIOS"
        say ""
        say "## Goals"
        say ""
        say "$GOALS"
        say ""
        if [ -f "$SRC/docs/optimisation-log.md" ]; then
            say "## Optimisation log"
            say ""
            cat "$SRC/docs/optimisation-log.md"
            say ""
        fi
        say "## Reproduce"
        say ""
        say "\`make bench\` (builds, then runs bench/run.sh, ~5 minutes, installs the peer agents with"
        say "apt-get). \`bench/run.sh --smoke\` runs everything tiny without peers; ctest runs"
        say "tests/integration/test_bench_smoke.c so the bench programs cannot rot."
    } >"$OUT"
    say "   wrote $OUT"
fi
