#!/bin/sh
# run-local.sh — what `make run` does: a collector on the embedded default data
# dir, one department and enrollment token, this machine's agent once, then
# the ledger. Re-runnable: the data dir and the agent's key and enrollment are
# kept under ./var, so a second run updates the same host instead of adding one.
set -eu

BIN=${1:-build/bin}
VAR=${TZ_VAR:-./var}
DATA="$VAR/taizhang"
STATE="$VAR/tz-agent"
LISTEN=${TZ_LISTEN:-tcp://127.0.0.1:7450}
DEPT=${TZ_DEPT:-网络信息中心}

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
"$BIN/tz-collector" --data "$DATA" --listen "$LISTEN" 2>"$VAR/collector.log" &
CPID=$!
stop() {
    if kill -0 "$CPID" 2>/dev/null; then
        kill -TERM "$CPID" && wait "$CPID" || true
    fi
}
trap stop EXIT INT TERM

# The collector writes its public key before it listens; give it a moment,
# and fail with its own words if it did not come up.
i=0
while [ ! -s "$DATA/collector.pub" ] || ! grep -q "listening on" "$VAR/collector.log"; do
    if ! kill -0 "$CPID" 2>/dev/null; then
        echo "run: tz-collector did not start:" >&2
        cat "$VAR/collector.log" >&2
        exit 1
    fi
    i=$((i + 1))
    [ "$i" -le 100 ] || { echo "run: tz-collector did not start in 10 s" >&2; exit 1; }
    sleep 0.1
done
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
trap - EXIT INT TERM

echo
echo "Ledger of hosts (tzctl --data $DATA hosts):"
"$BIN/tzctl" --data "$DATA" hosts
echo
echo "Systems (tzctl --data $DATA systems):"
"$BIN/tzctl" --data "$DATA" systems
echo
echo "Flags (tzctl --data $DATA flags):"
"$BIN/tzctl" --data "$DATA" flags
