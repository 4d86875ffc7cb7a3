# cases.sh — how every test driver counts and shows its cases.  Sourced by
# harness.sh; set CASE_PREFIX first (e.g. "serve/") to name the driver's
# cases, and SLOW to scale waits (harness.sh does).
#   pass NAME               one case passed
#   fail NAME WHY [FILE...] one case failed; each FILE that is not empty is
#                           shown under it (a long one as its first 20 and
#                           last 20 lines, 300 columns at most)
#   wait_for SECONDS SHELL-CONDITION
#                           true once the condition holds, false after
#                           SECONDS (times SLOW)
# passed and failed count the cases, failures lists the names that failed.

passed=0
failed=0
failures=""

pass() {
    passed=$((passed + 1))
    echo "ok   ${CASE_PREFIX:-}$1"
}

show_file() {
    local name lines
    [ -s "$1" ] || return 0
    name=$(basename "$1")
    lines=$(wc -l < "$1")
    if [ "$lines" -le 40 ]; then
        cat "$1"
    else
        head -n 20 "$1"
        echo "... ($((lines - 40)) lines)"
        tail -n 20 "$1"
    fi | cut -c1-300 | sed "s/^/     | $name: /"
}

fail() {
    failed=$((failed + 1))
    failures="$failures ${CASE_PREFIX:-}$1"
    echo "FAIL ${CASE_PREFIX:-}$1: $2"
    for f in "${@:3}"; do show_file "$f"; done
}

wait_for() {
    local end=$(($(date +%s) + $1 * ${SLOW:-1}))
    while [ "$(date +%s)" -le "$end" ]; do
        eval "$2" && return 0
        sleep 0.2
    done
    return 1
}
