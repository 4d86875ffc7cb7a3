#!/bin/bash
# demo.sh TELLTALE — scenarios/ against the demo stack (docker/demo/), end to
# end: on a healthy stack every scenario passes, 20 runs in a row without a
# single failure (one process, --repeat 20); the README's first example
# runs as printed; then each incident's fault switch is turned on and the
# scenario that should catch it must fail with the right kind and a message
# naming the missing side effect, while the scenarios it does not touch
# still pass; after the switch is off again the whole set must pass.
#
# Its own stack, on free loopback ports under its own temp dir, stopped on exit.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/harness.sh" "$1"
ROOT=$(cd "$HERE/.." && pwd)
RUNS=${DEMO_RUNS:-20}
W=$(mktemp -d /tmp/telltale-demo-test.XXXXXX)
chmod 755 "$W" # PostgreSQL, Dovecot and nginx run as other users
export TELLTALE_DEMO_DIR=$W/stack
# The report job runs every second, and a report older than 5 s is stale:
# the report incident shows within seconds instead of minutes.
export DEMO_REPORT_INTERVAL=1
STACK=$ROOT/docker/demo/stack.sh
trap 'bash "$STACK" down > /dev/null 2>&1; [ -n "${TT_KEEP:-}" ] || rm -rf "$W"' EXIT

if ! bash "$STACK" up > "$W/stack.log" 2>&1; then
    echo "FAIL demo/stack-up: the demo stack did not start"
    sed 's/^/     | /' "$W/stack.log"
    exit 1
fi
pass "demo/stack-up"
ENV=$TELLTALE_DEMO_DIR/demo.env
BASE_URL=$(sed -n 's/^BASE_URL=//p' "$ENV")

# scenarios OUT JSON [ARG...] — the whole set, all at once, with short waits for mail.
scenarios() {
    local out=$1 json=$2
    shift 2
    timeout "${RUN_TIMEOUT:-120}" "$BIN" run --parallel 8 --vars-file "$ENV" --var MAIL_WAIT=10s --var REPORT_MAX_AGE=5s \
        --json "$json" "$@" "$ROOT/scenarios" > "$out" 2>&1
}

# sanitized OUT — no sanitizer report (for a run of an ASan build).
sanitized() { ! grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer' "$1"; }

# no_secrets JSON FILE... — neither the stack's passwords nor the users'
# (made by unique("...pw") in that run) show anywhere.
no_secrets() {
    local run_id
    run_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$1") || return 1
    ! grep -rqF -e "s3cr3t-pa55" -e "pw-$run_id" "$@"
}

# ---- healthy: everything passes, and keeps passing ----
scenarios "$W/healthy.out" "$W/healthy.json" -v --trace --artifacts "$W/artifacts"
code=$?
if [ "$code" = 0 ] && grep -q "9 scenarios: 9 passed" "$W/healthy.out" && sanitized "$W/healthy.out"; then
    pass "demo/healthy"
else
    fail "demo/healthy" "exit $code, expected 0 with 9 passed" "$W/healthy.out"
fi
if no_secrets "$W/healthy.json" "$W/healthy.out" "$W/artifacts"; then
    pass "demo/no-secrets"
else
    fail "demo/no-secrets" "a password in the output (-v --trace), the report or the artifacts"
fi

# The whole set $RUNS times in a row, in one process: every run of every
# scenario passes (the summary says "0 of RUNS runs failed" for each).
N=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["scenarios"]))' "$W/healthy.json") # scenarios in the set
RUN_TIMEOUT=$((120 * RUNS)) scenarios "$W/repeat.out" "$W/repeat.json" --repeat "$RUNS"
code=$?
if [ "$code" = 0 ] && grep -q "^$((RUNS * N)) runs ($RUNS of each scenario): $((RUNS * N)) passed, 0 failed" "$W/repeat.out" &&
    [ "$(grep -c ": 0 of $RUNS runs failed, slowest #" "$W/repeat.out")" = "$N" ] &&
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["repeat"] == int(sys.argv[2]) and len(r["scenarios"]) == int(sys.argv[3]) * r["repeat"]))' "$W/repeat.json" "$RUNS" "$N" &&
    sanitized "$W/repeat.out"; then
    pass "demo/$RUNS-runs: 0 failures in $((RUNS * N)) scenario runs (--repeat $RUNS)"
else
    fail "demo/$RUNS-runs" "exit $code: not every run passed" "$W/repeat.out"
fi
no_secrets "$W/repeat.json" "$W/repeat.out" || fail "demo/$RUNS-runs" "a password in the output or the report"

# The README's first example, exactly as printed, against this stack (its
# vars file is elsewhere than make demo's /tmp/telltale-demo): it passes,
# and prints what the README shows, but for times and the run id.
example=$(sed -n '/^\$ \.\/telltale run /{s/^\$ //p;q}' "$ROOT/README.md")
# times and run ids vary
norm() { sed -E 's/[0-9][0-9.]*(ms|s|m)\b/T/g; s/\(run [0-9a-f]+\)/(run ID)/'; }
shown=$(awk '/^\$ \.\/telltale run / { on = 1; next } on && /^```$/ { exit } on' "$ROOT/README.md" | norm)
if [ -z "$example" ]; then
    fail "demo/readme-example" "no '\$ ./telltale run' line in README.md"
else
    # The binary under test for ./telltale, this stack's vars file for make demo's.
    cmd=${example//\/tmp\/telltale-demo\/demo.env/$ENV}
    (cd "$ROOT" && eval "\"\$BIN\"${cmd#./telltale}") > "$W/readme.out" 2>&1
    code=$?
    got=$(norm < "$W/readme.out")
    if [ "$code" = 0 ] && [ "$got" = "$shown" ]; then
        pass "demo/readme-example: $example"
    else
        printf 'command: %s (exit %s)\nREADME shows:\n%s\ngot:\n%s\n' "$example" "$code" "$shown" "$got" > "$W/readme.check"
        fail "demo/readme-example" "the README's first example does not run as printed" "$W/readme.check"
    fi
fi

# ---- the incident library: one fault switch at a time ----
fault() { # NAME on|off
    curl -sf -X POST "$BASE_URL/admin/fault/$1?state=$2" > /dev/null
}

# healthy_again NAME — after the switch is off, the whole set passes again
# (within 10 tries a second apart: the report job needs a run to catch up).
healthy_again() {
    local i
    for i in $(seq 1 10); do
        scenarios "$W/after.out" "$W/after.json" && { pass "demo/$1/recovers"; return; }
        sleep 1
    done
    fail "demo/$1/recovers" "the set still fails after the fault was switched off" "$W/after.out"
}

ALL=("health" "mail egress" "signup and confirm" "password reset" "personalization round-trip"
    "support routing" "report freshness" "report file" "signup in the browser")

# fault_case NAME WAIT 'SCENARIO|KIND|TEXT'... — switch NAME on, wait WAIT
# seconds, run the set: the listed scenarios fail so, every other passes.
fault_case() {
    local name=$1 wait=$2 s args=() failing=""
    shift 2
    for s in "$@"; do args+=(--fail "$s"); failing="$failing|${s%%|*}|"; done
    for s in "${ALL[@]}"; do
        case "$failing" in *"|$s|"*) ;; *) args+=(--pass "$s") ;; esac
    done
    if ! fault "$name" on; then fail "demo/$name" "could not switch the fault on"; return; fi
    sleep "$wait"
    scenarios "$W/$name.out" "$W/$name.json"
    fault "$name" off || fail "demo/$name" "could not switch the fault off"
    if python3 "$HERE/demo/expect.py" "$W/$name.json" "${args[@]}" > "$W/$name.check" 2>&1 &&
        sanitized "$W/$name.out"; then
        pass "demo/$name"
        sed 's/^/     /' "$W/$name.check"
    else
        cat "$W/$name.out" >> "$W/$name.check"
        fail "demo/$name" "not caught as expected" "$W/$name.check"
    fi
    no_secrets "$W/$name.json" "$W/$name.out" || fail "demo/$name" "a password in the output or the report"
    healthy_again "$name"
}

CONFIRM='subject "Confirm your account"'
RESET='subject "Reset your password"'
fault_case smtp_blocked 0 "mail egress|network|no SMTP greeting" \
    "signup and confirm|missing|$CONFIRM" "password reset|missing|$RESET"
fault_case mail_stuck 0 "signup and confirm|missing|$CONFIRM" "password reset|missing|$RESET"
fault_case poisoned_pool 0 "signup and confirm|http|current transaction is aborted" \
    "password reset|http|current transaction is aborted" "personalization round-trip|http|current transaction is aborted" \
    "signup in the browser|assertion|/signup returned 500 (Fetch)"
fault_case key_drift 0 "personalization round-trip|assertion|stack the rules were derived from"
fault_case report_job_dies 6 "report freshness|missing|newest row is" "report file|missing|daily.csv is"
fault_case hang 0 "health|timeout|waiting for response" "signup and confirm|timeout|waiting for response" \
    "password reset|timeout|waiting for response" "personalization round-trip|timeout|waiting for response" \
    "support routing|timeout|waiting for response" "signup in the browser|timeout|while loading $BASE_URL/app/"
fault_case misroute 0 'support routing|assertion|"how do I reset my password" went to billing'
# The JavaScript front end breaks while every API behind it answers: only
# the browser scenario sees it.
fault_case bundle_404 0 "signup in the browser|assertion|resource: GET $BASE_URL/app/app.js returned 404 (Script)"
fault_case handler_throws 0 "signup in the browser|assertion|js_error: uncaught exception: TypeError: Cannot read properties of undefined (reading 'signup')"
fault_case csp_blocks_api 0 "signup in the browser|assertion|violates the following Content Security Policy directive"

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
