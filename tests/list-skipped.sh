#!/bin/sh
# list-skipped.sh LOG — after ctest: the tests that were skipped, each with
# the reason run_criterion.sh printed, so a skip is seen, not assumed passed.
# LOG is ctest's Testing/Temporary/LastTest.log.
set -eu
[ -f "$1" ] || exit 0
awk '
    /^[0-9]+\/[0-9]+ Testing: / { name = $3 }
    /^SKIPPED: / { sub(/^SKIPPED: /, ""); skipped[name] = $0; n++ }
    END {
        if (n == 0) exit
        printf "skipped (%d):\n", n
        fflush()
        for (t in skipped) printf "  %s: %s\n", t, skipped[t] | "sort"
        close("sort")
    }' "$1"
