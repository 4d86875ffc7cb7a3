#!/bin/bash
# soak.sh TELLTALE [RUNS [PARALLEL]] — the exit, proven by repetition: one
# telltale process runs HTTP, database (a host name looked up on a worker
# thread, writes) and mail (an IMAP mailbox thread, SMTP on a
# worker) scenarios together, as the demo suite does, RUNS times (default
# 1000), PARALLEL processes at once (default 2), against the test servers
# (tests/lib/services.sh).  Every run must exit 0 with nothing from a
# sanitizer; the tally of exit codes is printed, and any other code, a
# signal (128+N) or a hang (124) fails the soak.  SOAK_CASES overrides the
# scenario list (file names in tests/e2e/).
#
# First, the exit race made certain: a mail scenario runs RACE_RUNS times
# (default 5) with tests/soak/slow_cancel.c preloaded, which delays the
# cancel of a mailbox's session at exit by 100 ms: a stream freed under
# the canceller is then a crash or a sanitizer report every time, not
# once in 2,000 runs.  RUNS=0 runs this phase alone.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/harness.sh" "$1"
RUNS=${2:-1000}
PARALLEL=${3:-2}
CASES=${SOAK_CASES:-001-pass 012-cookies 015-json 021-html 030-db-types 038-db-write 044-db-hostname 050-mail 054-mail-send}
. "$HERE/lib/services.sh"
trap 'services_stop; [ -n "${TT_KEEP:-}" ] || rm -rf "$TT_DIR"' EXIT
services_start || { echo "soak: cannot start test services"; exit 1; }

files=()
for c in $CASES; do files+=("$HERE/e2e/$c.lua"); done
args=(--var "BASE=$TT_HTTP" --var "DSN=$TT_PG_DSN" --var "WRITE_DSN=$TT_PG_WRITE_DSN"
      --var "PG_PORT=$TT_PG_PORT" --var "IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX"
      --var "SUBMIT=smtp://127.0.0.1:$TT_SUBMISSION_PORT" --var "CA=$TT_MAIL_CA" --var "MAIL_PASSWORD=$TT_MAIL_PASSWORD")

one() { # N — run number N; its exit code goes to $TT_DIR/soak/N.rc
    local d=$TT_DIR/soak/$1 code
    mkdir -p "$d"
    timeout $((120 * SLOW)) "$BIN" run -v --parallel 4 --json "$d/report.json" --junit "$d/report.xml" \
        --artifacts "$d/artifacts" "${args[@]}" "${files[@]}" > "$d/out" 2> "$d/err"
    code=$?
    if [ $code = 0 ] && grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer\|WARNING: ThreadSanitizer' "$d/err"; then
        code=sanitizer
    fi
    echo "$code" > "$TT_DIR/soak/$1.rc"
    if [ "$code" = 0 ]; then rm -rf "$d"; fi
}

mkdir -p "$TT_DIR/soak"
# A copy: rebuilding the binary during a long soak must not fail its runs.
cp "$BIN" "$TT_DIR/telltale" && BIN=$TT_DIR/telltale
# ---- the exit race, widened ----
cc -shared -fPIC -O2 -o "$TT_DIR/slow_cancel.so" "$HERE/soak/slow_cancel.c" -ldl \
    || { echo "soak: cannot build the slow_cancel shim"; exit 1; }
race_failed=0
for ((i = 1; i <= ${RACE_RUNS:-5}; i++)); do
    # The sanitizer runtime must come first; the shim after it is fine.
    LD_PRELOAD=$TT_DIR/slow_cancel.so ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 \
        timeout $((60 * SLOW)) "$BIN" run "${args[@]}" "$HERE/e2e/050-mail.lua" > "$TT_DIR/race.out" 2>&1
    code=$?
    if [ $code != 0 ] || grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer\|WARNING: ThreadSanitizer' "$TT_DIR/race.out"; then
        echo "FAIL soak/exit-race run $i: exit $code"
        grep -A12 'ERROR: AddressSanitizer\|WARNING: ThreadSanitizer' "$TT_DIR/race.out" | head -30 | sed 's/^/  | /'
        tail -5 "$TT_DIR/race.out" | sed 's/^/  | /'
        race_failed=1
        break
    fi
done
[ $race_failed = 0 ] && echo "ok   soak/exit-race: ${RACE_RUNS:-5} runs with the mailbox cancel delayed at exit"
[ "$RUNS" = 0 ] && exit $race_failed

started=$(date +%s)
for ((i = 1; i <= RUNS; i += PARALLEL)); do
    pids=()
    for ((j = i; j < i + PARALLEL && j <= RUNS; j++)); do
        one "$j" &
        pids+=($!)
    done
    wait "${pids[@]}" # not a bare wait: the services' helpers are children too
    # The mailbox fills up (every run reads today's mail); emptied between
    # batches, when no run is reading it.
    if ((i % 100 < PARALLEL)); then
        find "$TT_DIR/mail/home" -type f \( -path '*/new/*' -o -path '*/cur/*' \) -delete 2>/dev/null
    fi
    if ((i % 50 < PARALLEL)); then echo "soak: $((j - 1))/$RUNS runs, $(($(date +%s) - started)) s"; fi
done

echo "soak: $RUNS runs of $(echo $CASES | wc -w) scenarios, $PARALLEL at a time, $(($(date +%s) - started)) s; exit codes:"
cat "$TT_DIR"/soak/*.rc | sort | uniq -c | sed 's/^/  /'
bad=$(grep -Lx 0 "$TT_DIR"/soak/*.rc | wc -l)
if [ "$bad" -gt 0 ] || [ $race_failed != 0 ]; then
    for f in $(grep -Lx 0 "$TT_DIR"/soak/*.rc | head -5); do
        n=$(basename "$f" .rc)
        echo "--- run $n: exit $(cat "$f")"
        tail -20 "$TT_DIR/soak/$n/out" "$TT_DIR/soak/$n/err" 2>/dev/null | sed 's/^/  | /'
    done
    TT_KEEP=1
    echo "soak: FAILED, $bad of $RUNS runs; kept $TT_DIR"
    exit 1
fi
echo "soak: ok, 0 failures, 0 crashes"
