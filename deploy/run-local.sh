#!/bin/sh
# run-local.sh — what `make run` does: a collector on the embedded default data
# dir, one department and enrollment token, this machine's agent once, the
# ledger, then the web portal with a one-time admin login. From a terminal it
# keeps the collector and the portal serving until Ctrl-C; without one (CI,
# scripts) it stops after printing. Re-runnable: the data dir and the agent's
# key and enrollment are kept under ./var, so a second run updates the same
# host instead of adding one.
set -eu

BIN=${1:-build/bin}
VAR=${TZ_VAR:-./var}
DATA="$VAR/taizhang"
STATE="$VAR/tz-agent"
LISTEN=${TZ_LISTEN:-tcp://127.0.0.1:7450}
DEPT=${TZ_DEPT:-网络信息中心}
PORTAL=${TZ_PORTAL_LISTEN:-127.0.0.1:7451}

mkdir -p "$VAR"
# As root the agent drops to its own system user once root's work is done;
# on a server the taizhang-agent package makes it, here we do.
if [ "$(id -u)" -eq 0 ] && ! getent passwd _tzagent >/dev/null; then
    echo "run: creating the system user _tzagent that tz-agent drops to"
    adduser --system --group --no-create-home --home /nonexistent \
        --quiet _tzagent 2>/dev/null ||
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin _tzagent
fi
CPID=""
PPID_PORTAL=""
stop() {
    for pid in $PPID_PORTAL $CPID; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" && wait "$pid" || true
        fi
    done
    CPID=""
    PPID_PORTAL=""
}
trap stop EXIT INT TERM

# wait_for PID LOG TEXT WHAT: until LOG says TEXT, or fail with its words.
wait_for() {
    i=0
    while ! grep -q "$3" "$2"; do
        if ! kill -0 "$1" 2>/dev/null; then
            echo "run: $4 did not start:" >&2
            cat "$2" >&2
            exit 1
        fi
        i=$((i + 1))
        [ "$i" -le 100 ] || { echo "run: $4 did not start in 10 s" >&2; exit 1; }
        sleep 0.1
    done
}

start_collector() {
    "$BIN/tz-collector" --data "$DATA" --listen "$LISTEN" 2>"$VAR/collector.log" &
    CPID=$!
    # It writes its public key before it listens.
    wait_for "$CPID" "$VAR/collector.log" "listening on" tz-collector
}
start_collector
echo "collector: listening on $LISTEN, data in $DATA"

if ! "$BIN/tzctl" --data "$DATA" dept list --format csv | grep -qx "$DEPT,.*"; then
    "$BIN/tzctl" --data "$DATA" dept add "$DEPT"
fi

TOKEN_LINE=""
if ! grep -qs '^agent_id=[1-9]' "$STATE/work/state"; then
    TOKEN=$("$BIN/tzctl" --data "$DATA" token create --dept "$DEPT" 2>/dev/null)
    TOKEN_LINE="enroll_token = $TOKEN"
    echo "agent: enrolling into $DEPT"
fi

# 0600: it may hold the enrollment token.
rm -f "$VAR/agent.ini"
(umask 077 && cat >"$VAR/agent.ini") <<INI
; written by deploy/run-local.sh for make run
[agent]
collector = $LISTEN
collector_key = $(cat "$DATA/collector.pub")
state_dir = $STATE
$TOKEN_LINE
INI

"$BIN/tz-agent" --once --config "$VAR/agent.ini"
# Stop the collector first: the flags of the report it just stored are
# written right after the Ack, and a clean stop waits for them.
stop

echo
echo "Ledger of hosts (tzctl --data $DATA hosts):"
"$BIN/tzctl" --data "$DATA" hosts
echo
echo "Systems (tzctl --data $DATA systems):"
"$BIN/tzctl" --data "$DATA" systems
echo
echo "Flags (tzctl --data $DATA flags):"
"$BIN/tzctl" --data "$DATA" flags

# The portal: the same register, read-only, with logins through the
# collector's control socket, so the collector runs again beside it.
start_collector
"$BIN/tz-portal" --data "$DATA" --listen "$PORTAL" 2>"$VAR/portal.log" &
PPID_PORTAL=$!
wait_for "$PPID_PORTAL" "$VAR/portal.log" "serving http" tz-portal
# A fresh admin login each run (a token is shown once); the previous run's
# is revoked so old tokens do not pile up.
if [ -s "$VAR/portal-admin" ]; then
    "$BIN/tzctl" --data "$DATA" user revoke "$(cat "$VAR/portal-admin")" >/dev/null 2>&1 || true
fi
ADMIN="make-run-$(date +%Y%m%d-%H%M%S)"
ADMIN_TOKEN=$("$BIN/tzctl" --data "$DATA" --by make-run user add "$ADMIN" --admin 2>/dev/null)
echo "$ADMIN" >"$VAR/portal-admin"
echo
echo "Portal: http://$PORTAL/"
echo "  admin login token (shown once, for user $ADMIN): $ADMIN_TOKEN"
echo "  departments get their own: tzctl --data $DATA user add NAME --dept D [--role editor]"
if [ -t 0 ] && [ -t 1 ] && [ "${CI:-}" != true ]; then
    echo
    echo "Serving until Ctrl-C (logs: $VAR/collector.log, $VAR/portal.log)."
    wait "$PPID_PORTAL" || true
else
    stop
fi
