#!/bin/bash
# conformance.sh TELLTALE — telltale against web applications this project
# did not write: Django's contrib.auth (on PostgreSQL), Roundcube (PHP, on
# SQLite, over the suite's Dovecot and Postfix) and WordPress (PHP, on its
# own MariaDB), as Debian packages them.  Each app is started by its
# tests/conformance/<app>/app.sh on loopback ports under one temp dir, with
# the suite's PostgreSQL, Postfix and Dovecot (tests/lib/services.sh), and
# stopped on exit; the machine's own services are never used or touched.
#
# Cases: every scenario in tests/conformance/ passes, twice in a row (the
# second run finds the state the first left); then each app's fault is
# switched on in turn, and that app's scenarios must fail with the kind and
# message listed below while every other app's scenarios pass; with the
# fault off, the app's scenarios pass again.  Secrets never show.
#
# conformance.sh --up APP... — start only those apps (and the servers they
# use), print the vars file and a command to run their scenarios, and keep
# them running until Ctrl-C; SIGUSR1 switches their faults on, the next one
# off again (README: "Checking a real application").
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SCEN=$HERE/conformance
APPS="django roundcube wordpress"
UP=""
if [ "${1:-}" = --up ]; then
    shift
    UP=1
    APPS="$*"
    for app in $APPS; do
        [ -f "$SCEN/$app/app.sh" ] || { echo "conformance.sh: no app '$app' (apps: $(ls "$SCEN" | grep -v '\.sh$' | tr '\n' ' '))" >&2; exit 2; }
    done
    [ -n "$APPS" ] || { echo "usage: conformance.sh --up APP..." >&2; exit 2; }
    . "$HERE/lib/cases.sh" # no binary to test: the apps' start-up is counted all the same
else
    [ $# = 1 ] || { echo "usage: conformance.sh TELLTALE | --up APP..." >&2; exit 2; }
    . "$HERE/lib/harness.sh" "$1"
fi
export TT_DIR=$(mktemp -d /tmp/telltale-conf.XXXXXX)
. "$HERE/lib/services.sh"
for app in $APPS; do . "$SCEN/$app/app.sh"; done
CONF_ENV=$TT_DIR/conf.env
started=""
stop_all() {
    for app in $started; do "${app}_stop"; done
    services_stop
    [ -n "${TT_KEEP:-}" ] && echo "kept: $TT_DIR" || rm -rf "$TT_DIR"
}
trap stop_all EXIT
T0=$(date +%s)

# A second try: free_port's port can be taken by another run on the
# machine before the server binds it (seen once in a few runs).
if ! services_start > "$TT_DIR/services.log" 2>&1; then
    services_stop > /dev/null 2>&1
    rm -rf "$TT_DIR" && mkdir "$TT_DIR"
    if ! services_start > "$TT_DIR/services.log" 2>&1; then
        fail "conformance/services" "the suite's servers did not start" "$TT_DIR/services.log"
        exit 1
    fi
fi
cat > "$CONF_ENV" <<ENV
IMAP_URL=imap://127.0.0.1:$TT_IMAP_PORT/INBOX
IMAP_USER=$TT_MAIL_USER
IMAP_PASSWORD=$TT_MAIL_PASSWORD
ENV
for app in $APPS; do
    t=$(date +%s)
    if "${app}_start" > "$TT_DIR/$app-start.log" 2>&1; then
        started="$started $app"
        pass "conformance/$app/start ($(($(date +%s) - t))s)"
    else
        "${app}_stop" > /dev/null 2>&1
        fail "conformance/$app/start" "did not start" "$TT_DIR/$app-start.log"
    fi
done
[ "$failed" = 0 ] || { echo; echo "$passed passed, $failed failed"; exit 1; }
if [ -n "$UP" ]; then
    echo "up: $APPS; the addresses and passwords are in $CONF_ENV; Ctrl-C stops everything"
    echo "  ./telltale run -v --vars-file $CONF_ENV$(for app in $APPS; do printf ' tests/conformance/%s' "$app"; done)"
    echo "their faults on (and off again): kill -USR1 $$"
    fault_state=off
    toggle() {
        [ "$fault_state" = off ] && fault_state=on || fault_state=off
        for app in $APPS; do "${app}_fault" "$fault_state" > /dev/null 2>&1 || echo "$app: the fault did not switch $fault_state"; done
        echo "faults $fault_state"
    }
    sleep infinity &
    sleeper=$!
    trap 'kill $sleeper; exit 0' INT TERM
    trap toggle USR1
    while kill -0 "$sleeper" 2> /dev/null; do wait "$sleeper"; done # a signal ends wait early
    exit 0
fi

# scenarios OUT JSON PATH [OPTION...] — run them all at once.
scenarios() {
    local out=$1 json=$2 path=$3
    shift 3
    local code=0
    timeout $((120 * SLOW)) "$BIN" run --parallel 8 --vars-file "$CONF_ENV" --json "$json" "$@" "$path" > "$out" 2>&1 || code=$?
    # The next run starts in a later second than any mail this one saw:
    # mb:wait's window opens at the start of the second its run started
    # (IMAP's INTERNALDATE has one-second resolution), and the password
    # resets go to the fixed accounts' addresses, so a run that starts in
    # the second the last one ended could take its used link (CI did once).
    sleep 1
    return $code
}
sanitized() { ! grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer' "$1"; }
# names APP — the scenario names of one app (or of all), one a line.
names() { sed -n 's/^scenario *{ *name *= *"\([^"]*\)".*/\1/p' "$SCEN"/${1:-*}/*.lua; }
# no_secrets traced|plain JSON OUT [DIR] — no password of the stack's, nor
# one the scenarios made with unique("pw"), shows anywhere; no reset link's
# token (Django's /reset/<uid>/<token>/, WordPress's key=), which the
# scenarios pass through secret(), shows in the report, nor in the console
# of a run without --trace.  --trace and --artifacts still show it: their
# request line holds the link's path, not the secret URL (README).
no_secrets() {
    local how=$1 json=$2 out=$3 run_id where
    shift
    run_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$json") || return 1
    ! grep -rqF -e "s3cr3t-pa55" -e "pw-$run_id" "$@" || return 1
    where=$json
    [ "$how" = plain ] && where="$json $out"
    ! grep -qE -e '/reset/[A-Za-z0-9_-]+/[0-9a-z]+-[0-9a-f]{20,}' -e 'action=rp&key=[A-Za-z0-9]' $where
}

# healthy NAME — every scenario passes, each reported as its own case.
healthy() {
    local code s args=()
    scenarios "$TT_DIR/$1.out" "$TT_DIR/$1.json" "$SCEN" -v --trace --artifacts "$TT_DIR/artifacts-$1"
    code=$?
    while IFS= read -r s; do
        if python3 "$HERE/demo/expect.py" "$TT_DIR/$1.json" --pass "$s" > "$TT_DIR/check" 2>&1; then
            pass "conformance/$1: $s"
        else
            fail "conformance/$1: $s" "$(head -n 1 "$TT_DIR/check")" "$TT_DIR/$1.out"
        fi
    done < <(names)
    [ "$code" = 0 ] || fail "conformance/$1" "exit $code, expected 0"
    sanitized "$TT_DIR/$1.out" || fail "conformance/$1" "a sanitizer report" "$TT_DIR/$1.out"
    no_secrets traced "$TT_DIR/$1.json" "$TT_DIR/$1.out" "$TT_DIR/artifacts-$1" ||
        fail "conformance/$1/no-secrets" "a password in the output (-v --trace), the report or the artifacts, or a reset link in the report"
}
healthy healthy
healthy healthy-again

# fault APP WHAT 'SCENARIO|KIND|TEXT'... — APP's fault on: the listed
# scenarios fail so, exit code 1, every other scenario passes; fault off:
# APP's scenarios pass again.
fault() {
    local app=$1 what=$2 s args=() failing="" code case="conformance/$1/fault: $2"
    shift 2
    for s in "$@"; do args+=(--fail "$s"); failing="$failing|${s%%|*}|"; done
    while IFS= read -r s; do
        case "$failing" in *"|$s|"*) ;; *) args+=(--pass "$s") ;; esac
    done < <(names)
    if ! "${app}_fault" on > "$TT_DIR/fault.log" 2>&1; then
        fail "$case" "could not switch the fault on" "$TT_DIR/fault.log"
        return
    fi
    scenarios "$TT_DIR/$app-fault.out" "$TT_DIR/$app-fault.json" "$SCEN"
    code=$?
    "${app}_fault" off > "$TT_DIR/fault.log" 2>&1 || fail "$case" "could not switch the fault off" "$TT_DIR/fault.log"
    if [ "$code" = 1 ] && python3 "$HERE/demo/expect.py" "$TT_DIR/$app-fault.json" "${args[@]}" > "$TT_DIR/check" 2>&1 &&
        sanitized "$TT_DIR/$app-fault.out"; then
        pass "$case"
        sed 's/^/     /' "$TT_DIR/check"
    else
        echo "exit $code (expected 1)" >> "$TT_DIR/check"
        cat "$TT_DIR/$app-fault.out" >> "$TT_DIR/check"
        fail "$case" "not caught as expected" "$TT_DIR/check"
    fi
    no_secrets plain "$TT_DIR/$app-fault.json" "$TT_DIR/$app-fault.out" ||
        fail "$case" "a password or a reset link in the output or the report"
    if scenarios "$TT_DIR/$app-after.out" "$TT_DIR/$app-after.json" "$SCEN/$app"; then
        pass "conformance/$app/recovers"
    else
        fail "conformance/$app/recovers" "its scenarios still fail with the fault off" "$TT_DIR/$app-after.out"
    fi
}

fault django "its database made read-only" \
    "django: sign in|http|/admin/login/?next=/admin/ returned 500" \
    "django: password reset|http|returned 500"
fault roundcube "its mail relay (submission) stopped" \
    "roundcube: send mail|assertion|Roundcube's answer to send"
fault wordpress "its MariaDB stopped" \
    "wordpress: sign in|http|/wp-login.php returned 500" \
    "wordpress: sign up|http|/wp-login.php?action=register returned 500" \
    "wordpress: password reset|http|/wp-login.php?action=lostpassword returned 500"

echo
echo "conformance took $(($(date +%s) - T0))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
