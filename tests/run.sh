#!/bin/bash
# run.sh TELLTALE UNITDIR — the whole suite against one binary: unit tests, then
# every end-to-end case in tests/e2e/ against real servers on loopback.
#
# An e2e case is one scenario file whose leading comments say what must
# happen (see tests/README.md):
#   -- test: args --var BASE=$TT_HTTP     arguments before the file
#   -- test: env NAME=VALUE               environment of the run (repeatable)
#   -- test: exit 1                       expected exit code
#   -- test: stdout-has TEXT / stdout-lacks TEXT / stderr-has / stderr-lacks
#   -- test: json PYTHON-EXPR             over the --json report, as r
#   -- test: junit-has TEXT               in the --junit report
#   -- test: within SECONDS               wall-clock bound on the run
#   -- test: signal SIG AFTER             send SIG after AFTER seconds
#   -- test: background SHELL             run SHELL alongside (services.sh functions available)
# Every run's JSON report is checked against the documented schema and its
# JUnit report against tests/junit.xsd.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/harness.sh" "$1"

. "$HERE/lib/services.sh"
trap 'services_stop; [ -n "${TT_KEEP:-}" ] || rm -rf "$TT_DIR"' EXIT

# ---- unit tests (cmocka), built by the Makefile next to the binary ----
for t in "${2:-build/unit}"/test_*; do
    [ -x "$t" ] || continue
    name="unit/$(basename "$t")"
    if timeout $((60 * SLOW)) "$t" > "$TT_DIR/unit.out" 2>&1; then pass "$name"; else fail "$name" "exit $?" "$TT_DIR/unit.out"; fi
done

services_start || { echo "cannot start test services"; exit 1; }

# $TT_HTTP and friends in a directive, and nothing else: quotes stay as written.
expand_vars() {
    local s=$1 v
    for v in TT_HTTPS TT_HTTP TT_HTTP_PORT TT_BLACKHOLE_PORT TT_CLOSED_PORT TT_DIR TT_PG_DSN TT_PG_WRITE_DSN TT_PGB_DSN TT_PG_PORT TT_IMAP_PORT TT_IMAPS_PORT TT_SMTP_PORT TT_MAIL_PASSWORD; do s=${s//\$$v/${!v}}; done
    printf '%s' "$s"
}

run_case() {
    local file=$1 name out err args=() envs=() expect_exit=0 within="" sig="" sig_after="" code start end
    name="e2e/$(basename "$file" .lua)"
    out="$TT_DIR/case.out"; err="$TT_DIR/case.err"
    rm -f "$TT_DIR/report.json" "$TT_DIR/report.xml"
    while IFS= read -r line; do
        case "$line" in
            "-- test: args "*) eval "args+=(${line#-- test: args })" ;;
            "-- test: env "*) eval "envs+=(${line#-- test: env })" ;;
            "-- test: exit "*) expect_exit=${line#-- test: exit } ;;
            "-- test: within "*) within=${line#-- test: within } ;;
            "-- test: signal "*) read -r sig sig_after <<< "${line#-- test: signal }" ;;
            "-- test: background "*) ( eval "${line#-- test: background }" ) > "$TT_DIR/background.log" 2>&1 & ;;
        esac
    done < <(grep '^-- test: ' "$file")

    start=$(date +%s%N)
    if [ -n "$sig" ]; then
        # --foreground: timeout(1) would otherwise signal telltale twice (it
        # forwards the signal, then signals its whole process group).
        env "${envs[@]}" timeout --foreground $((120 * SLOW)) "$BIN" run --json "$TT_DIR/report.json" --junit "$TT_DIR/report.xml" "${args[@]}" "$file" > "$out" 2> "$err" &
        local pid=$!
        sleep "$sig_after"
        # timeout(1) forwards the signal to telltale.
        kill -s "$sig" "$pid"
        wait "$pid"; code=$?
    else
        env "${envs[@]}" timeout $((120 * SLOW)) "$BIN" run --json "$TT_DIR/report.json" --junit "$TT_DIR/report.xml" "${args[@]}" "$file" > "$out" 2> "$err"
        code=$?
    fi
    end=$(date +%s%N)
    cat "$err" >> "$out"

    if [ "$code" != "$expect_exit" ]; then fail "$name" "exit code $code, expected $expect_exit" "$out"; return; fi
    if grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer\|WARNING: ThreadSanitizer' "$err"; then
        fail "$name" "sanitizer report" "$err"; return
    fi
    if [ -n "$within" ]; then
        local ms=$(( (end - start) / 1000000 )) limit
        limit=$(python3 -c "print(int($within * 1000 * $SLOW))")
        if [ "$ms" -gt "$limit" ]; then fail "$name" "took ${ms}ms, bound ${limit}ms" "$out"; return; fi
    fi
    while IFS= read -r line; do
        local what=${line#-- test: } kind arg
        kind=${what%% *}; arg=${what#* }
        arg=$(expand_vars "$arg")
        case "$kind" in
            stdout-has) grep -qF -- "$arg" "$out" || { fail "$name" "output lacks: $arg" "$out"; return; } ;;
            stdout-lacks|stderr-lacks) ! grep -qF -- "$arg" "$out" || { fail "$name" "output has: $arg" "$out"; return; } ;;
            stderr-has) grep -qF -- "$arg" "$err" || { fail "$name" "stderr lacks: $arg" "$err"; return; } ;;
            junit-has) grep -qF -- "$arg" "$TT_DIR/report.xml" || { fail "$name" "junit lacks: $arg" "$TT_DIR/report.xml"; return; } ;;
            json) python3 "$HERE/lib/check_json.py" "$TT_DIR/report.json" "$arg" > "$TT_DIR/check.out" 2>&1 \
                    || { fail "$name" "json check failed: $arg" "$TT_DIR/check.out"; return; } ;;
        esac
    done < <(grep '^-- test: ' "$file")
    # Every report, whatever the case, must be valid.
    if [ -f "$TT_DIR/report.json" ] || [ "$expect_exit" != 2 ]; then
        python3 "$HERE/lib/check_json.py" "$TT_DIR/report.json" > "$TT_DIR/check.out" 2>&1 \
            || { fail "$name" "JSON report does not match the schema" "$TT_DIR/check.out"; return; }
        xmllint --noout --schema "$HERE/junit.xsd" "$TT_DIR/report.xml" > "$TT_DIR/check.out" 2>&1 \
            || { fail "$name" "JUnit report does not validate" "$TT_DIR/check.out"; return; }
    fi
    # Artifacts, when a case saves them, must not hold secrets either.
    if [ -d "$TT_DIR/artifacts" ] && grep -rqF "s3cr3t-pa55" "$TT_DIR/artifacts"; then
        fail "$name" "a secret reached an artifact"; return
    fi
    rm -rf "$TT_DIR/artifacts"
    pass "$name"
}

cli_case() { # NAME EXPECTED_EXIT EXPECTED_TEXT -- COMMAND...
    local name=$1 want=$2 text=$3 code
    shift 4
    "$@" > "$TT_DIR/cli.out" 2>&1; code=$?
    if [ "$code" != "$want" ]; then fail "cli/$name" "exit $code, expected $want" "$TT_DIR/cli.out"; return; fi
    if grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer\|WARNING: ThreadSanitizer' "$TT_DIR/cli.out"; then
        fail "cli/$name" "sanitizer report" "$TT_DIR/cli.out"; return
    fi
    if [ -n "$text" ] && ! grep -qF -- "$text" "$TT_DIR/cli.out"; then
        fail "cli/$name" "output lacks: $text" "$TT_DIR/cli.out"; return
    fi
    pass "cli/$name"
}

# TT_ONLY=pattern runs the matching e2e cases only (and skips the CLI cases);
# TT_ONLY=mail_cases runs tests/mail_cases.sh only, TT_ONLY=cli tests/cli.sh only.
for f in "$HERE"/e2e/*${TT_ONLY:-}*.lua; do
    [ -f "$f" ] && run_case "$f"
done

# ---- command-line cases: tests/cli.sh ----
[ -z "${TT_ONLY:-}" ] || [ "${TT_ONLY}" = cli ] && . "$HERE/cli.sh"
[ -z "${TT_ONLY:-}" ] || [ "${TT_ONLY}" = mail_cases ] && . "$HERE/mail_cases.sh"

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
