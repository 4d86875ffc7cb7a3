#!/bin/bash
# oneshot.sh TELLTALE — the one-shot integrations against real processes on
# loopback: `telltale wrap` (pings to a recording HTTP receiver, the log,
# exit codes, signals, no shell), `--prom-file` (checked by promtool,
# written atomically) and `--pushgateway` (a recording receiver and the real
# Debian prometheus-pushgateway).  Every run is bounded by timeout(1).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
CASE_PREFIX=oneshot/
. "$HERE/lib/harness.sh" "$1"
O=$HERE/oneshot
unset TELLTALE_PING_URL
D=$(mktemp -d /tmp/telltale-oneshot.XXXXXX)
export XDG_STATE_HOME=$D/state # the default wrap log stays in the test dir
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    # Let them finish writing (serve saves its state on SIGTERM) before the rm.
    for p in $PIDS; do timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null; done
    [ -n "${TT_KEEP:-}" ] || rm -rf "$D"
}
trap cleanup EXIT


# tt EXPECTED_EXIT ARGS... — run telltale with a watchdog; output in
# $D/out and $D/err, exit code in $code.  Returns 1 (after a FAIL line)
# on a wrong code or a sanitizer report.
tt() {
    local want=$1
    shift
    timeout $((60 * SLOW)) "$BIN" "$@" > "$D/out" 2> "$D/err" < /dev/null
    code=$?
    if [ "$code" != "$want" ]; then fail "$name" "exit $code, expected $want" "$D/out" "$D/err"; return 1; fi
    if grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer' "$D/err"; then
        fail "$name" "sanitizer report" "$D/err"; return 1
    fi
}
# has FILE TEXT — the file holds TEXT (fixed string), else FAIL.
has() { grep -qF -- "$2" "$1" || { fail "$name" "$(basename "$1") lacks: $2" "$1"; return 1; }; }
# reqs PYEXPR — a Python expression over q, the requests the receiver got
# since the last `: > $D/req.log` (dicts: method, path, content_type, body;
# j(i) is request i's body decoded as JSON).
reqs() {
    python3 - "$D/req.log" "$1" > "$D/check" 2>&1 <<'PY' || { fail "$name" "receiver check failed: $1" "$D/check" "$D/req.log"; return 1; }
import json, sys
q = [json.loads(l) for l in open(sys.argv[1])]
j = lambda i: json.loads(q[i]["body"])
if not eval(sys.argv[2]):
    raise SystemExit("false: %s\nrequests: %s" % (sys.argv[2], json.dumps(q, indent=1)[:3000]))
PY
}
# lastlog PYEXPR — the same over l, the last line of a wrap log ($LOG).
lastlog() {
    python3 -c 'import json,sys; l=json.loads(open(sys.argv[1]).read().splitlines()[-1]); assert eval(sys.argv[2]), (sys.argv[2], l)' \
        "$LOG" "$1" > "$D/check" 2>&1 || { fail "$name" "log check failed: $1" "$D/check"; return 1; }
}

# ---- the receiver: a heartbeat endpoint / push target that records ----
python3 "$O/receiver.py" "$D/rcv.port" "$D/req.log" > "$D/receiver.out" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$D/rcv.port" ] && break; sleep 0.1; done
[ -s "$D/rcv.port" ] || { echo "oneshot: receiver.py did not start"; cat "$D/receiver.out"; exit 1; }
RCV=http://127.0.0.1:$(cat "$D/rcv.port")
CLOSED=$(free_port) # nothing listens here
LOG=$D/wrap.log

# ---- telltale wrap ----

name=wrap-failing-command
: > "$D/req.log"
if tt 7 wrap job-fail --ping "$RCV" --log "$LOG" -- sh -c 'echo to-stdout; echo to-stderr >&2; exit 7' \
    && has "$D/out" to-stdout && has "$D/err" to-stderr \
    && reqs '[r["path"] for r in q] == ["/ping/job-fail/start", "/ping/job-fail/fail"]' \
    && reqs 'all(r["method"] == "POST" and r["content_type"] == "application/json" for r in q)' \
    && reqs 'j(1)["exit_code"] == 7 and j(1)["output_tail"] == "to-stdout\nto-stderr\n" and j(1)["name"] == "job-fail"' \
    && lastlog 'l["exit_code"] == 7 and l["command"] == ["sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 7"]' \
    && lastlog 'l["ping"] == "ok" and "to-stderr" in l["output_tail"] and l["duration_ms"] >= 0'; then
    pass "$name"
fi

name=wrap-silent-success
: > "$D/req.log"
if tt 0 wrap job-ok --ping "$RCV/" --log "$LOG" -- true \
    && [ ! -s "$D/out" ] && [ ! -s "$D/err" ] \
    && reqs '[r["path"] for r in q] == ["/ping/job-ok/start", "/ping/job-ok"]' \
    && reqs 'j(1)["exit_code"] == 0 and j(1)["output_tail"] == "" and j(1)["output_bytes"] == 0 and j(1)["signal"] is None' \
    && lastlog 'l["exit_code"] == 0 and l["output_tail"] == ""'; then
    pass "$name"
elif [ "$code" = 0 ]; then
    fail "$name" "a silent command must leave stdout and stderr empty" "$D/out" "$D/err"
fi

name=wrap-command-not-found
: > "$D/req.log"
if tt 127 wrap job-nf --ping "$RCV" --log "$LOG" -- no-such-command-telltale arg \
    && has "$D/err" "cannot run 'no-such-command-telltale': No such file or directory" \
    && reqs '[r["path"] for r in q] == ["/ping/job-nf/start", "/ping/job-nf/fail"]' \
    && reqs 'j(1)["exit_code"] == 127 and "No such file" in j(1)["error"] and "cannot run" in j(1)["output_tail"]'; then
    pass "$name"
fi

name=wrap-not-executable
printf 'echo hi\n' > "$D/noexec.sh"
chmod 644 "$D/noexec.sh"
if tt 126 wrap job-nx --no-log -- "$D/noexec.sh" && has "$D/err" "Permission denied"; then pass "$name"; fi

name=wrap-unreachable-ping
: > "$D/req.log"
start=$(date +%s%N)
if tt 3 wrap job-down --ping "http://127.0.0.1:$CLOSED" --log "$LOG" -- true \
    && has "$D/err" "HEARTBEAT PING NOT DELIVERED: POST http://127.0.0.1:$CLOSED/ping/job-down/start" \
    && has "$D/err" "POST http://127.0.0.1:$CLOSED/ping/job-down: " \
    && has "$D/err" "Couldn't connect to server (3 attempts)" \
    && has "$D/err" "the command succeeded but its run was not recorded; exiting 3" \
    && lastlog 'l["exit_code"] == 0 and "Couldn'"'"'t connect" in l["ping"]'; then
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    # Retries are bounded: 2 pings x 3 attempts with 0.5 + 1 s pauses.
    if [ "$ms" -lt $((8000 * SLOW)) ]; then pass "$name"; else fail "$name" "took ${ms}ms"; fi
fi

name=wrap-unreachable-ping-failing-command
if tt 5 wrap job-down2 --ping "http://127.0.0.1:$CLOSED" --no-log -- sh -c 'exit 5' \
    && has "$D/err" "HEARTBEAT PING NOT DELIVERED: POST http://127.0.0.1:$CLOSED/ping/job-down2/fail"; then
    pass "$name"
fi

name=wrap-ping-rejected
: > "$D/req.log"
if tt 3 wrap job-404 --check-url "$RCV/status/404/uuid-1" --no-log -- true \
    && has "$D/err" "POST $RCV/status/404/uuid-1 returned 404: no such check (1 attempt)"; then
    pass "$name"
fi

name=wrap-ping-retried
# 5xx is worth retrying (3 attempts per ping); the message counts them.
: > "$D/req.log"
if tt 3 wrap job-503 --check-url "$RCV/status/503/uuid-2" --no-log -- true \
    && has "$D/err" "returned 503: no such check (3 attempts)" \
    && reqs '[r["path"] for r in q] == ["/status/503/uuid-2/start"] * 3 + ["/status/503/uuid-2"] * 3'; then
    pass "$name"
fi

name=wrap-no-shell
: > "$D/req.log"
if tt 0 wrap job-args --no-log -- printf '%s|' "\$(touch $D/pwned) a  b" '*' ';' '`id`' \
    && [ "$(cat "$D/out")" = "\$(touch $D/pwned) a  b|*|;|\`id\`|" ] && [ ! -e "$D/pwned" ]; then
    pass "$name"
elif [ "$code" = 0 ]; then
    fail "$name" "arguments were not passed verbatim" "$D/out"
fi

name=wrap-binary-arguments
# Arguments that are not UTF-8 reach the command as they are, and the log
# line stays valid JSON.
if tt 0 wrap job-bytes --log "$LOG" -- printf '%s' $'caf\xe9' && [ "$(od -An -tx1 "$D/out" | tr -d ' ')" = "636166e9" ] \
    && lastlog 'l["command"][2] == "caf\ufffd" and l["output_tail"] == "caf\ufffd"'; then
    pass "$name"
fi

name=wrap-env-ping-url
: > "$D/req.log"
if TELLTALE_PING_URL=$RCV tt 0 wrap job-env --no-log -- true \
    && reqs '[r["path"] for r in q] == ["/ping/job-env/start", "/ping/job-env"]'; then
    pass "$name"
fi

name=wrap-check-url
: > "$D/req.log"
if tt 1 wrap job-hc --check-url "$RCV/hc/0f3c-uuid" --no-log -- false \
    && reqs '[r["path"] for r in q] == ["/hc/0f3c-uuid/start", "/hc/0f3c-uuid/fail"]'; then
    pass "$name"
fi

name=wrap-tail-cap
: > "$D/req.log"
if tt 0 wrap job-big --ping "$RCV" --log "$LOG" --tail 3 -- seq 1 100000 \
    && lastlog 'l["output_tail"] == "99998\n99999\n100000\n" and l["output_bytes"] == 588895' \
    && reqs 'len(q[1]["body"]) < 2000' \
    && [ "$(wc -l < "$D/out")" = 100000 ]; then
    pass "$name"
fi

name=wrap-tail-bytes-cap
# One 100 kB line, then bytes that are not UTF-8: the tail keeps at most
# 16 KiB whatever --tail says, and stays valid JSON.
if tt 0 wrap job-wide --log "$LOG" --tail 10000 -- python3 -c 'import sys; sys.stdout.write("x" * 100000 + "\n"); sys.stdout.flush(); sys.stdout.buffer.write(b"end \xff\xfe\n")' \
    && lastlog 'len(l["output_tail"].encode()) <= 16384 + 8 and l["output_tail"].endswith("end \ufffd\ufffd\n")' \
    && lastlog 'l["output_bytes"] == 100008'; then
    pass "$name"
fi

name=wrap-killed-by-signal
: > "$D/req.log"
if tt 143 wrap job-sig --ping "$RCV" --no-log -- sh -c 'kill -TERM $$' \
    && reqs 'q[1]["path"] == "/ping/job-sig/fail" and j(1)["signal"] == 15 and j(1)["exit_code"] == 143'; then
    pass "$name"
fi

name=wrap-forwards-sigterm
: > "$D/req.log"
timeout $((60 * SLOW)) "$BIN" wrap job-fwd --ping "$RCV" --no-log -- sleep 30 > "$D/out" 2> "$D/err" &
wpid=$!
for _ in $(seq 100); do grep -q job-fwd/start "$D/req.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.3
start=$(date +%s%N)
kill -TERM "$(pgrep -P "$wpid" -f 'telltale wrap' || echo "$wpid")" 2>/dev/null
wait "$wpid"; code=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$code" = 143 ] && [ "$ms" -lt $((3000 * SLOW)) ] \
    && reqs 'q[-1]["path"] == "/ping/job-fwd/fail" and j(len(q) - 1)["signal"] == 15'; then
    pass "$name"
elif [ "$code" != 143 ]; then
    fail "$name" "exit $code after SIGTERM, expected 143 (the command killed by it)" "$D/err"
fi

name=wrap-ctrl-c-on-a-terminal
# ^C on a terminal reaches the command and the wrapper alike: the command
# dies of it, the wrapper survives to record and ping that, exit 130.
: > "$D/req.log"
start=$(date +%s%N)
if timeout $((30 * SLOW)) python3 "$O/ctrl_c.py" "$BIN" wrap job-tty --ping "$RCV" --no-log -- sleep 20 > "$D/out" 2>&1; then
    code=0
else
    code=$?
fi
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$code" != 130 ]; then
    fail "$name" "exit $code, expected 130" "$D/out"
elif [ "$ms" -gt $((5000 * SLOW)) ]; then
    fail "$name" "took ${ms}ms"
elif reqs 'q[-1]["path"] == "/ping/job-tty/fail" and j(len(q) - 1)["signal"] == 2'; then
    pass "$name"
fi

name=wrap-timeout
: > "$D/req.log"
start=$(date +%s%N)
if tt 124 wrap job-slow --ping "$RCV" --no-log --timeout 500ms -- sleep 30 \
    && has "$D/err" "timed out after 500ms (--timeout), stopped with SIGTERM" \
    && reqs 'q[1]["path"] == "/ping/job-slow/fail" and j(1)["timed_out"] is True and j(1)["signal"] == 15 and j(1)["exit_code"] == 124'; then
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ "$ms" -lt $((2500 * SLOW)) ]; then pass "$name"; else fail "$name" "took ${ms}ms"; fi
fi

name=wrap-timeout-sigkill
# A command that ignores SIGTERM gets SIGKILL 10 s later; even one that
# exits 0 when told to stop has not succeeded.
start=$(date +%s%N)
if tt 124 wrap job-stubborn --no-log --timeout 300ms -- sh -c 'trap "" TERM; while :; do sleep 0.1; done' \
    && has "$D/err" "stopped with SIGTERM, then SIGKILL" \
    && tt 124 wrap job-polite --no-log --timeout 300ms -- sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'; then
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ "$ms" -lt $((14000 * SLOW)) ]; then pass "$name"; else fail "$name" "took ${ms}ms"; fi
fi

name=wrap-leftover-child
# A daemon the job started keeps the pipe open; the wrapper must not wait for it.
start=$(date +%s%N)
if tt 0 wrap job-bg --no-log -- sh -c 'sleep 5 & echo started' && has "$D/out" started; then
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ "$ms" -lt $((2000 * SLOW)) ]; then pass "$name"; else fail "$name" "took ${ms}ms"; fi
fi

name=wrap-leftover-writer
# ... even one that never stops writing (it dies of SIGPIPE once we are gone).
start=$(date +%s%N)
if tt 0 wrap job-spam --no-log -- sh -c '(while :; do echo spam; done) & echo started' && has "$D/out" started; then
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ "$ms" -lt $((3000 * SLOW)) ]; then pass "$name"; else fail "$name" "took ${ms}ms"; fi
fi

name=wrap-default-log
if tt 0 wrap job-def -- echo hello && lastlog_file=$XDG_STATE_HOME/telltale/wrap.log && [ -s "$lastlog_file" ] \
    && LOG=$lastlog_file lastlog 'l["name"] == "job-def" and l["output_tail"] == "hello\n" and l["ping"] is None'; then
    pass "$name"
elif [ "$code" = 0 ]; then
    fail "$name" "no line in $XDG_STATE_HOME/telltale/wrap.log"
fi

name=wrap-log-unwritable
if tt 3 wrap job-nolog --log /nonexistent-dir/wrap.log -- true && has "$D/err" "cannot append to log /nonexistent-dir/wrap.log"; then
    pass "$name"
fi

name=wrap-usage
if tt 2 wrap 'bad name' -- true && has "$D/err" "invalid NAME 'bad name'" \
    && tt 2 wrap job --ping ftp://x -- true && has "$D/err" "invalid ping URL 'ftp://x'" \
    && tt 2 wrap job --no-log && has "$D/err" "no command given" \
    && tt 2 wrap job --timeout 5x -- true && has "$D/err" "invalid --timeout: unknown unit" \
    && tt 2 wrap job --bogus -- true && has "$D/err" "unknown or incomplete option '--bogus'" \
    && tt 0 wrap --help && has "$D/out" "usage: telltale wrap NAME"; then
    pass "$name"
fi

name=help-lists-one-shot-options
if tt 0 --help && has "$D/out" "--prom-file FILE" && has "$D/out" "--pushgateway URL" \
    && has "$D/out" "telltale wrap NAME [options] -- COMMAND"; then
    pass "$name"
fi

name=wrap-against-telltale-serve
# The real heartbeat endpoint: `telltale serve` counts wrap's pings, and a
# heartbeat it was not told about is a loud 404, not a silent success.
cat > "$D/serve.lua" <<EOF
heartbeats = { { name = "wrapped-job", period = "1h" } }
state_file = "$D/serve-state.json"
EOF
"$BIN" serve "$D/serve.lua" --listen 127.0.0.1:0 2> "$D/serve.log" &
PIDS="$PIDS $!"
for _ in $(seq $((100 * SLOW))); do grep -q 'listening on port' "$D/serve.log" && break; sleep 0.1; done
SERVE=http://127.0.0.1:$(grep -o 'listening on port [0-9]*' "$D/serve.log" | awk '{print $4}')
if ! grep -q 'listening on port' "$D/serve.log"; then
    fail "$name" "telltale serve did not start" "$D/serve.log"
elif tt 0 wrap wrapped-job --ping "$SERVE" --no-log -- true && tt 1 wrap wrapped-job --ping "$SERVE" --no-log -- false \
    && tt 3 wrap undeclared-job --ping "$SERVE" --no-log -- true && has "$D/err" "returned 404: no such heartbeat" \
    && curl -sf --max-time 5 "$SERVE/metrics" > "$D/serve-metrics.txt" \
    && has "$D/serve-metrics.txt" 'telltale_heartbeat_pings_total{heartbeat="wrapped-job",type="start"} 2' \
    && has "$D/serve-metrics.txt" 'telltale_heartbeat_pings_total{heartbeat="wrapped-job",type="success"} 1' \
    && has "$D/serve-metrics.txt" 'telltale_heartbeat_pings_total{heartbeat="wrapped-job",type="fail"} 1'; then
    pass "$name"
fi

# ---- --prom-file ----

M=$D/metrics
mkdir -p "$M"
name=prom-file-promtool
if tt 1 run --prom-file "$M/telltale.prom" "$O/pass.lua" "$O/fail.lua" \
    && promtool check metrics < "$M/telltale.prom" > "$D/promtool.out" 2>&1 \
    && has "$M/telltale.prom" 'telltale_scenario_last_status{scenario="oneshot-pass"} 1' \
    && has "$M/telltale.prom" 'telltale_scenario_last_status{scenario="oneshot-fail"} 0' \
    && has "$M/telltale.prom" 'telltale_step_last_status{scenario="oneshot-fail",step="breaks"} 0' \
    && has "$M/telltale.prom" 'telltale_runs_total{scenario="oneshot-fail",result="failed",kind="assertion"} 1' \
    && has "$M/telltale.prom" 'telltale_scenario_last_success_timestamp_seconds{scenario="oneshot-pass"}' \
    && has "$M/telltale.prom" 'telltale_build_info{version='; then
    pass "$name"
elif [ "$code" = 1 ]; then
    fail "$name" "promtool check metrics failed" "$D/promtool.out" "$M/telltale.prom"
fi

name=prom-file-atomic
# The file is replaced by rename (a new inode, no temp file left), and a
# reader polling it during 15 rewrites never sees half a file.
before=$(stat -c %i "$M/telltale.prom")
# Held open, the first file's inode cannot be freed and handed to a later
# file: "same inode" then means rewritten in place, never reused.
exec 7< "$M/telltale.prom"
( while [ ! -e "$D/stop-reader" ]; do
      # Families are sorted by name: the last line is the last step's status.
      if [ -e "$M/telltale.prom" ] && ! tail -n 1 "$M/telltale.prom" | grep -qx 'telltale_step_last_status{scenario="oneshot-pass",step="second"} 1'; then
          echo torn >> "$D/torn"
      fi
  done ) &
reader=$!
for i in $(seq 15); do
    timeout $((60 * SLOW)) "$BIN" run --prom-file "$M/telltale.prom" "$O/pass.lua" "$O/fail.lua" > /dev/null 2>&1
done
touch "$D/stop-reader"
wait "$reader"
after=$(stat -c %i "$M/telltale.prom")
exec 7<&-
if [ -e "$D/torn" ]; then
    fail "$name" "a reader saw an incomplete file $(wc -l < "$D/torn") times"
elif [ "$before" = "$after" ]; then
    fail "$name" "the file was rewritten in place (same inode)"
elif [ "$(ls "$M")" != telltale.prom ]; then
    fail "$name" "files left beside it: $(ls "$M" | tr '\n' ' ')"
else
    pass "$name"
fi

name=report-tmp-name-busy
# Reports are written through a uniquely named temporary file: a stale
# `PATH.tmp` (or a second run writing the same report) is not in the way.
mkdir -p "$D/busy" "$D/busy/r.json.tmp" "$D/busy/r.prom.tmp"
if tt 0 run --json "$D/busy/r.json" --junit "$D/busy/r.xml" --prom-file "$D/busy/r.prom" "$O/pass.lua" \
    && has "$D/busy/r.json" '"status":"passed"' && has "$D/busy/r.prom" 'telltale_build_info' \
    && has "$D/busy/r.xml" '<testsuites'; then
    if [ "$(ls "$D/busy" | tr '\n' ' ')" != "r.json r.json.tmp r.prom r.prom.tmp r.xml " ]; then
        fail "$name" "files left beside the reports: $(ls "$D/busy" | tr '\n' ' ')"
    else
        pass "$name"
    fi
fi
rm -rf "$D/busy"

name=prom-file-keeps-last-success
# A pass, then a failure of the same scenario: the file says when it last
# passed — what an alert on "no success for 2h" reads.
if tt 0 run --prom-file "$M/flaky.prom" "$O/flaky.lua"; then
    ts=$(sed -n 's/^telltale_scenario_last_success_timestamp_seconds{scenario="oneshot-flaky"} //p' "$M/flaky.prom")
    if [ -z "$ts" ]; then
        fail "$name" "no success timestamp after a pass" "$M/flaky.prom"
    elif tt 1 run --prom-file "$M/flaky.prom" --var FAIL=1 "$O/flaky.lua" \
        && has "$M/flaky.prom" 'telltale_scenario_last_status{scenario="oneshot-flaky"} 0' \
        && has "$M/flaky.prom" "telltale_scenario_last_success_timestamp_seconds{scenario=\"oneshot-flaky\"} $ts" \
        && promtool check metrics < "$M/flaky.prom" > "$D/promtool.out" 2>&1; then
        pass "$name"
    fi
fi
rm -f "$M/flaky.prom"

name=prom-file-unwritable
if tt 3 run --prom-file /nonexistent-dir/t.prom "$O/pass.lua" && has "$D/err" "cannot write --prom-file /nonexistent-dir/t.prom"; then
    pass "$name"
fi

# ---- --pushgateway ----

name=push-body
: > "$D/req.log"
if tt 0 run --prom-file "$M/pushed.prom" --pushgateway "$RCV/" "$O/pass.lua" \
    && reqs 'len(q) == 1 and q[0]["method"] == "PUT" and q[0]["path"] == "/metrics/job/telltale"' \
    && reqs 'q[0]["content_type"] == "text/plain; version=0.0.4; charset=utf-8"' \
    && reqs "q[0]['body'] == open('$M/pushed.prom').read()"; then
    pass "$name"
fi

name=push-group-url
: > "$D/req.log"
if tt 1 run --pushgateway "$RCV/metrics/job/canary/instance/eu-1" "$O/fail.lua" \
    && reqs 'q[0]["path"] == "/metrics/job/canary/instance/eu-1"'; then
    pass "$name"
fi

name=push-unreachable
if tt 3 run --pushgateway "http://127.0.0.1:$CLOSED" "$O/pass.lua" \
    && has "$D/err" "--pushgateway: metrics not pushed: PUT http://127.0.0.1:$CLOSED/metrics/job/telltale" \
    && tt 1 run --pushgateway "http://127.0.0.1:$CLOSED" "$O/fail.lua" && has "$D/err" "metrics not pushed"; then
    pass "$name"
fi

name=push-credentials-redacted
if tt 3 run --pushgateway "http://canary:pgw-s3cret@127.0.0.1:$CLOSED" "$O/pass.lua" \
    && has "$D/err" "metrics not pushed: PUT http://canary:[REDACTED]@127.0.0.1:$CLOSED/metrics/job/telltale"; then
    if grep -q pgw-s3cret "$D/err" "$D/out"; then fail "$name" "the password reached the output" "$D/err"; else pass "$name"; fi
fi

name=push-rejected
if tt 3 run --pushgateway "$RCV/status/400/x" "$O/pass.lua" && has "$D/err" "returned 400"; then pass "$name"; fi

name=push-real-pushgateway
if ! command -v prometheus-pushgateway > /dev/null; then
    fail "$name" "prometheus-pushgateway is not installed (make deps)"
else
    PGW_PORT=$(free_port)
    prometheus-pushgateway --web.listen-address="127.0.0.1:$PGW_PORT" > "$D/pushgateway.log" 2>&1 &
    PIDS="$PIDS $!"
    wait_for_port "$PGW_PORT" prometheus-pushgateway || exit 1
    PGW=http://127.0.0.1:$PGW_PORT
    if tt 1 run --pushgateway "$PGW" "$O/pass.lua" "$O/fail.lua" \
        && curl -sf "$PGW/metrics" > "$D/pgw.txt" \
        && has "$D/pgw.txt" 'telltale_scenario_last_status{instance="",job="telltale",scenario="oneshot-pass"} 1' \
        && has "$D/pgw.txt" 'telltale_scenario_last_status{instance="",job="telltale",scenario="oneshot-fail"} 0' \
        && has "$D/pgw.txt" 'telltale_runs_total{instance="",job="telltale",kind="assertion",result="failed",scenario="oneshot-fail"} 1' \
        && tt 0 run --pushgateway "$PGW" "$O/pass.lua" \
        && curl -sf "$PGW/metrics" > "$D/pgw.txt" \
        && has "$D/pgw.txt" 'scenario="oneshot-pass"'; then
        # PUT replaces the group: the scenario not run any more is gone.
        if grep -q 'scenario="oneshot-fail"' "$D/pgw.txt"; then
            fail "$name" "a second push did not replace the group" "$D/pgw.txt"
        else
            pass "$name"
        fi
    fi
fi

# ---- the README's fs.fresh example, as written ----
name=readme-fs-fresh-example
sed -n '/^### Files$/,/^### /p' "$HERE/../README.md" | sed -n '/^```lua$/,/^```$/p' | sed '1d;$d' > "$D/readme-fs.lua"
mkdir -p "$D/export"
printf 'id\n1\n' > "$D/export/orders.csv"
if [ ! -s "$D/readme-fs.lua" ]; then
    fail "$name" "no Lua example under '### Files' in README.md"
elif tt 0 run --var "EXPORT_DIR=$D/export" "$D/readme-fs.lua" && touch -d '27 hours ago' "$D/export/orders.csv" \
    && tt 1 run --var "EXPORT_DIR=$D/export" "$D/readme-fs.lua" \
    && has "$D/out" "[missing] $D/export/orders.csv is 27h00m old, allowed 26h00m"; then
    pass "$name"
fi

# ---- the deployment examples in docker/deploy, run as written ----
# Their telltale command lines, with paths and URLs made local: an option
# the CLI does not have, or a changed meaning, fails here.

DEP=$D/deploy
mkdir -p "$DEP"
printf 'BASE_URL=http://127.0.0.1:1\n' > "$DEP/vars.env"
deploy_args() { mapfile -t args < <(python3 "$O/deploy_args.py" "$@") && [ "${#args[@]}" -gt 1 ]; }

name=deploy-systemd-service
if deploy_args systemd "$HERE/../docker/deploy/telltale-run.service" --vars-file="$DEP/vars.env" \
        --prom-file="$DEP/telltale.prom" --json="$DEP/report.json" --junit="$DEP/junit.xml" PATH="$O/pass.lua" \
    && tt 0 "${args[@]}" && promtool check metrics < "$DEP/telltale.prom" > "$D/promtool.out" 2>&1 \
    && [ -s "$DEP/report.json" ] && [ -s "$DEP/junit.xml" ]; then
    sed "s#/usr/local/bin/telltale#$BIN#" "$HERE/../docker/deploy/telltale-run.service" > "$DEP/telltale-run.service"
    cp "$HERE/../docker/deploy/telltale-run.timer" "$DEP/"
    if ! command -v systemd-analyze > /dev/null; then
        pass "$name"
    # verify exits 0 on directives it ignores: any output is a failure.
    elif systemd-analyze verify "$DEP/telltale-run.service" "$DEP/telltale-run.timer" > "$D/verify.out" 2>&1 \
        && [ ! -s "$D/verify.out" ]; then
        pass "$name"
    else
        fail "$name" "systemd-analyze verify" "$D/verify.out"
    fi
elif [ "${code:-}" = 0 ]; then
    fail "$name" "the unit's command line did not produce valid reports" "$D/promtool.out"
fi

name=deploy-k8s-cronjob
: > "$D/req.log"
if deploy_args cronjob "$HERE/../docker/deploy/cronjob.yaml" --vars-file="$DEP/vars.env" --json="$DEP/k8s.json" \
        --pushgateway="$RCV/metrics/job/telltale/instance/prod" PATH="$O/pass.lua" \
    && tt 0 "${args[@]}" \
    && reqs 'q[0]["method"] == "PUT" and q[0]["path"] == "/metrics/job/telltale/instance/prod"' \
    && [ -s "$DEP/k8s.json" ]; then
    pass "$name"
fi

echo
echo "oneshot: $passed passed, $failed failed"
[ "$failed" = 0 ]
