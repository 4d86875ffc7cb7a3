#!/bin/bash
# all.sh 'DRIVER ARG...'... — run every test driver (make test lists them),
# each to the end even when an earlier one failed, then one total over all.
#
# Each driver prints "N passed, N failed" (or "NAME: N passed, N failed")
# as its last tally line; a driver
# that exits non-zero without one (it could not start its servers, it
# crashed) counts as one failure, so a broken driver never reads as green.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LOG=$(mktemp /tmp/telltale-all.XXXXXX)
trap 'rm -f "$LOG"' EXIT
total_passed=0
total_failed=0
summary=()

for driver in "$@"; do
    echo "==== $driver"
    bash -c "$driver" 2>&1 | tee "$LOG"
    code=${PIPESTATUS[0]}
    tally=$(grep -E '^([a-z-]+: )?[0-9]+ passed, [0-9]+ failed$' "$LOG" | tail -n 1 | sed 's/^[a-z-]*: //')
    if [ -n "$tally" ]; then
        read -r p _ f _ <<< "$tally"
    else
        p=$(grep -c '^ok ' "$LOG")
        f=$(grep -c '^FAIL ' "$LOG")
        if [ "$p" = 0 ] && [ "$f" = 0 ]; then
            if [ "$code" = 0 ]; then p=1; else f=1; fi
        fi
        tally="$p passed, $f failed (exit $code)"
    fi
    [ "$code" != 0 ] && [ "$f" = 0 ] && f=1 && tally="$tally, but exit $code"
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
    summary+=("$(printf '%-48s %s' "$driver" "$tally")")
done

echo
echo "==== every suite"
printf '%s\n' "${summary[@]}"
echo "total: $total_passed passed, $total_failed failed"
[ "$total_failed" = 0 ]
