#!/bin/sh
# run_criterion.sh BIN SUITE TEST — one Criterion test, as one ctest test.
#
# Criterion exits 0 for a skipped test, so ctest would count it as passed;
# here a skip exits 77 (the SKIP_RETURN_CODE discover_criterion.cmake sets)
# after printing "SKIPPED: reason". When TZ_CI_REQUIRED names a file (make
# test sets it under CI=true), a skipped test matching one of its patterns
# fails instead: CI must run what CI is meant to run.
set -u
bin=$1 suite=$2 test=$3
out=$("$bin" --filter "$suite/$test" --jobs 1 --verbose 2>&1)
rc=$?
# Every other test of the binary is listed as "disabled" by the filter.
printf '%s\n' "$out" | grep -v ": Test is disabled$"
[ $rc -eq 0 ] || exit $rc
skip=$(printf '%s\n' "$out" | grep -F "[SKIP] $suite::$test: " | head -n 1)
if [ -n "$skip" ]; then
    reason=${skip#*"$suite::$test: "}
    if [ -n "${TZ_CI_REQUIRED:-}" ]; then
        while read -r pat; do
            case $pat in ''|'#'*) continue ;; esac
            # shellcheck disable=SC2254
            case "$suite::$test" in $pat)
                echo "run_criterion: $suite::$test was skipped ($reason), but" \
                     "CI must run it ($TZ_CI_REQUIRED)" >&2
                exit 1 ;;
            esac
        done <"$TZ_CI_REQUIRED"
    fi
    echo "SKIPPED: $reason"
    exit 77
fi
if ! printf '%s\n' "$out" | grep -q "Synthesis: Tested: 1 "; then
    echo "run_criterion: $bin ran no test $suite::$test" >&2
    exit 1
fi
exit 0
