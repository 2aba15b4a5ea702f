#!/bin/sh
# run.sh — run one libFuzzer target on a scratch copy of its seed corpus.
#
# usage: run.sh FUZZER CORPUS_DIR ARTIFACT_DIR   (time: $TZ_FUZZ_SECONDS, default 3)
# New corpus entries go to a temp dir that is removed afterwards: the seed
# corpus in the repository never changes. A crash, leak, timeout or sanitizer
# report fails the run; the input that caused it is kept in ARTIFACT_DIR.
set -u
bin=$1 corpus=$2 artifacts=$3
secs=${TZ_FUZZ_SECONDS:-3}
name=$(basename "$bin")

# LMDB syncs every ingest batch: on tmpfs that costs nothing.
base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/tz-fuzz-$name-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/corpus" "$work/tmp" "$artifacts"
[ -d "$corpus" ] && cp "$corpus"/* "$work/corpus/" 2>/dev/null

TMPDIR="$work/tmp" \
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
"$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 \
       -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
       "$work/corpus" >"$work/log" 2>&1
rc=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1)
if [ "$rc" -ne 0 ]; then
    tail -n 60 "$work/log"
    echo "$name: FAILED (exit $rc) after ${runs:-?} runs; reproduce with:"
    echo "  $bin $artifacts/$name-<crash file>"
    exit 1
fi
echo "$name: ${runs:-?} runs in ${secs}s, ${eps:-?} exec/s, $cov, corpus $(ls "$work/corpus" | wc -l) files"
