#!/bin/bash
# serve.sh TELLTALE — `telltale serve` against real processes on loopback: a
# recording webhook receiver (tests/serve/receiver.py), scenarios on 1 s
# intervals whose result a flag file decides, heartbeats pinged with curl,
# /metrics checked by promtool.  Every wait is bounded; the whole file runs
# in about a minute (three under ASan).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
CASE_PREFIX=serve/
. "$HERE/lib/harness.sh" "$1"
S=$HERE/serve
D=$(mktemp -d /tmp/telltale-serve-test.XXXXXX)
PIDS=""
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    [ -n "${TT_KEEP:-}" ] || rm -rf "$D"
}
trap cleanup EXIT


lines() { local n; n=$(grep -c -- "$2" "$1" 2>/dev/null); echo "${n:-0}"; }

# ---- the receiver ----
mkdir -p "$D/recv"
python3 "$S/receiver.py" "$D/recv" &
PIDS="$PIDS $!"
disown
wait_for 10 '[ -f "$D/recv/port" ]' || { echo "receiver did not start"; exit 1; }
RECV=http://127.0.0.1:$(cat "$D/recv/port")
CLOSED_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

SERVE_PID=""
PORT=""
# start_serve CONFIG LOG: serve in the background on a free port.
start_serve() {
    "$BIN" serve "$1" --listen 127.0.0.1:0 2>> "$2" &
    SERVE_PID=$!
    PIDS="$PIDS $SERVE_PID"
    local n
    n=$(wc -l < "$2")
    wait_for 10 "sed -n '$((n + 1)),\$p' '$2' | grep -q 'listening on port'" || return 1
    PORT=$(grep -o 'listening on port [0-9]*' "$2" | tail -1 | awk '{print $4}')
}
metrics() { curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics"; }
# metric_value 'SERIES' : the value of one exact series line, or empty.
metric_value() { metrics | grep -F "$1 " | awk '{print $NF}' | head -1; }

# ---- configuration errors: exit 2 with the reason ----
config_error() { # NAME TEXT CONFIG-BODY
    printf '%s\n' "$3" > "$D/bad.lua"
    timeout 10 "$BIN" serve "$D/bad.lua" --listen 127.0.0.1:0 > "$D/bad.out" 2>&1
    local code=$?
    if [ $code != 2 ]; then fail "config-$1" "exit $code, expected 2" "$D/bad.out"
    elif ! grep -qF -- "$2" "$D/bad.out"; then fail "config-$1" "output lacks: $2" "$D/bad.out"
    else pass "config-$1"; fi
}
config_error unknown-key "scenarios[1]: unknown key 'evry'" 'scenarios = { { path = "x.lua", evry = "1m" } }'
config_error bad-cron "cron: hour: 25 is out of range 0-23" 'scenarios = { { path = "x.lua", cron = "0 25 * * *" } }'
config_error no-schedule "give exactly one of every" 'scenarios = { { path = "x.lua" } }'
config_error unknown-route "no alert route named 'pager'" 'scenarios = { { path = "x.lua", every = "1m", alerts = { "pager" } } }'
config_error endless "did not finish within 10000000 Lua instructions" 'while true do end'
# A route left empty by an unset environment variable names the variable.
config_error route-env-unset 'os.getenv("TT_SURELY_UNSET_WEBHOOK") returned nil' 'heartbeats = { { name = "a", period = "1m", alerts = { "oncall" } } }
alerts = { oncall = { slack = os.getenv("TT_SURELY_UNSET_WEBHOOK") } }'
# artifacts_dir is created (with its parents): runs save below it.
printf 'heartbeats = { { name = "a", period = "1m" } }\nartifacts_dir = "art/deep"\nstate_file = "art-state.json"\n' > "$D/art.lua"
timeout 3 "$BIN" serve "$D/art.lua" --listen 127.0.0.1:0 > "$D/art.out" 2>&1
if [ -d "$D/art/deep" ]; then pass "config-artifacts-dir-created"; else fail "config-artifacts-dir-created" "no $D/art/deep" "$D/art.out"; fi
echo 'heartbeats = { { name = "a", period = "1m" } }' > "$D/bad.lua"
timeout 10 "$BIN" serve "$D/bad.lua" --listen nowhere:1 > "$D/bad.out" 2>&1
if [ $? = 2 ] && grep -q "expected a numeric address" "$D/bad.out"; then pass "config-bad-listen-arg"; else fail "config-bad-listen-arg" "expected exit 2" "$D/bad.out"; fi

# ---- the main canary: fail -> alert once, re-notify, kill -9 keeps state, recovered ----
OK=$D/ok
touch "$OK"
cat > "$D/serve.lua" <<EOF
scenarios = {
  { path = "$S/flag.lua", every = "1s", vars = { OK_FILE = "$OK" }, alerts = { "hook", "slack" }, renotify = "3s" },
}
heartbeats = {
  { name = "nightly-export", period = "2s", grace = "1s", alerts = { "cmd" } },
}
alerts = {
  hook = { webhook = "$RECV/hook?token=hook-secret-123" },
  slack = { slack = "$RECV/slack" },
  cmd = { exec = { "sh", "-c", "cat >> '$D/exec.log'; echo >> '$D/exec.log'" } },
}
state_file = "$D/state.json"
artifacts_url = "https://ci.example.test/artifacts"
alert_retry = { attempts = 3, backoff = "200ms" }
health_grace = "5s"
EOF
LOG=$D/serve.log
: > "$LOG"
if start_serve "$D/serve.lua" "$LOG"; then pass "starts"; else fail "starts" "no 'listening on port'" "$LOG"; exit 1; fi

# on-time heartbeat pings from here on, in the background (restarted with serve)
start_pinger() {
    ( while :; do curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/ping/nightly-export"; sleep 0.5; done ) &
    PINGER=$!
    PIDS="$PIDS $PINGER"
}
start_pinger

if wait_for 10 '[ "$(metric_value "telltale_runs_total{scenario=\"flag\",result=\"passed\",kind=\"\"}")" -ge 2 ] 2>/dev/null'; then
    pass "runs-pass"
else fail "runs-pass" "no two passed runs in /metrics" "$LOG"; fi
[ "$(lines "$D/recv/hook.log" .)" = 0 ] && pass "no-alert-while-passing" || fail "no-alert-while-passing" "alerts sent" "$D/recv/hook.log"

code=$(curl -s -o "$D/health" -w '%{http_code}' "http://127.0.0.1:$PORT/health")
[ "$code" = 200 ] && pass "health-ok" || fail "health-ok" "status $code" "$D/health"

metrics > "$D/metrics.txt"
if promtool check metrics < "$D/metrics.txt" > "$D/promtool.out" 2>&1; then pass "promtool"; else fail "promtool" "promtool check metrics failed" "$D/promtool.out"; fi
for m in 'telltale_build_info{version=' 'telltale_scheduler_last_loop_timestamp_seconds ' \
         'telltale_scenario_last_status{scenario="flag"} 1' 'telltale_step_last_status{scenario="flag",step="ok file present"} 1' \
         'telltale_scenario_last_success_timestamp_seconds{scenario="flag"}' 'telltale_step_last_duration_seconds{scenario="flag",step="ok file present"}' \
         'telltale_heartbeat_status{heartbeat="nightly-export"} 1'; do
    grep -qF -- "$m" "$D/metrics.txt" || { fail "metrics-series" "lacks $m" "$D/metrics.txt"; m=bad; break; }
done
[ "$m" != bad ] && pass "metrics-series"

# the scenario starts failing: exactly one failing alert per route
rm -f "$OK"
if wait_for 10 '[ "$(lines "$D/recv/hook.log" "\"event\":\"failing\"")" -ge 1 ] && [ "$(lines "$D/recv/slack.log" FAILING)" -ge 1 ]'; then
    pass "fail-alerts"
else fail "fail-alerts" "no failing alert on both routes" "$LOG"; fi
python3 - "$D/recv/hook.log" > "$D/check.out" 2>&1 <<'EOF'
import json, re, sys
a = json.loads(open(sys.argv[1]).readline())
assert a["event"] == "failing" and a["check"] == "scenario" and a["name"] == "flag", a
assert a["step"] == "ok file present" and a["kind"] == "missing", a
assert "does not exist" in a["message"] and len(a["run_id"]) >= 8, a
assert re.fullmatch("[0-9a-f]{32}", a.get("trace_id") or ""), a  # the failing run's W3C trace id
assert a["artifacts_url"] is None, a  # no artifacts_dir configured
assert a["failures"] == 1 and a["since"] and a["time"], a
EOF
[ $? = 0 ] && pass "alert-payload" || fail "alert-payload" "fields" "$D/check.out"
python3 -c 'import json,sys; t=json.loads(open(sys.argv[1]).readline())["text"]; assert "FAILING" in t and "*flag*" in t and "ok file present" in t, t' "$D/recv/slack.log" > "$D/check.out" 2>&1 \
    && pass "slack-payload" || fail "slack-payload" "text" "$D/check.out"

if wait_for 8 '[ "$(lines "$D/recv/hook.log" "\"event\":\"still_failing\"")" -ge 1 ]'; then pass "renotify"; else fail "renotify" "no still_failing within 8 s" "$LOG"; fi
[ "$(lines "$D/recv/hook.log" "\"event\":\"failing\"")" = 1 ] && pass "alert-once" || fail "alert-once" "more than one failing alert" "$D/recv/hook.log"
grep -q 'hook-secret-123' "$LOG" && fail "webhook-url-redacted" "the webhook token is in the log" "$LOG" || pass "webhook-url-redacted"

# kill -9, restart with the same state: the open incident is neither re-alerted nor forgotten
before=$(lines "$D/recv/hook.log" "\"event\":\"failing\"")
kill -9 "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
if python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["checks"]["scenario:flag"]; assert c["incident"] and c["failing"], c' "$D/state.json" 2> "$D/check.out"; then
    pass "state-file"
else fail "state-file" "no open incident in the state file" "$D/check.out"; fi
kill "$PINGER"; wait "$PINGER" 2>/dev/null
start_serve "$D/serve.lua" "$LOG" || fail "restart" "did not restart" "$LOG"
start_pinger
wait_for 10 '[ "$(metric_value "telltale_runs_total{scenario=\"flag\",result=\"failed\",kind=\"missing\"}")" -ge 2 ] 2>/dev/null'
after=$(lines "$D/recv/hook.log" "\"event\":\"failing\"")
[ "$after" = "$before" ] && pass "kill9-no-realert" || fail "kill9-no-realert" "failing alerts $before -> $after" "$D/recv/hook.log"
[ "$(metric_value 'telltale_check_failing{check="scenario",name="flag"}')" = 1 ] && pass "kill9-incident-kept" \
    || fail "kill9-incident-kept" "incident not open after restart" "$LOG"

# recovery: exactly one recovered alert
touch "$OK"
if wait_for 10 '[ "$(lines "$D/recv/hook.log" "\"event\":\"recovered\"")" -ge 1 ]'; then pass "recovered"; else fail "recovered" "no recovered alert" "$LOG"; fi
sleep 2
[ "$(lines "$D/recv/hook.log" "\"event\":\"recovered\"")" = 1 ] && pass "recovered-once" || fail "recovered-once" "recovered sent twice" "$D/recv/hook.log"
[ "$(lines "$D/recv/slack.log" RECOVERED)" = 1 ] && pass "slack-recovered" || fail "slack-recovered" "no recovered on slack" "$D/recv/slack.log"

# ---- heartbeats ----
[ "$(lines "$D/exec.log" .)" = 0 ] && pass "heartbeat-on-time" || fail "heartbeat-on-time" "alerted while pinged on time" "$D/exec.log"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/ping/no-such-job")
[ "$code" = 404 ] && pass "ping-unknown-404" || fail "ping-unknown-404" "status $code"
kill "$PINGER" 2>/dev/null; wait "$PINGER" 2>/dev/null
curl -s -o /dev/null -X POST -d '{"exit_code":1}' "http://127.0.0.1:$PORT/ping/nightly-export/start"
curl -s -o /dev/null -X POST -d '{"exit_code":3,"signal":null,"timed_out":false,"output_tail":"exporting\nboom: disk full\n"}' \
    "http://127.0.0.1:$PORT/ping/nightly-export/fail"
if wait_for 5 '[ "$(lines "$D/exec.log" "\"kind\":\"failed\"")" -ge 1 ]'; then pass "heartbeat-fail"; else fail "heartbeat-fail" "no alert from the exec hook" "$LOG"; fi
# The alert says how the job ended and what it printed last (wrap's fail ping body).
grep '"kind":"failed"' "$D/exec.log" | head -1 | python3 -c 'import json,sys; m=json.loads(sys.stdin.read())["message"]; assert "exit code 3" in m and "boom: disk full" in m, m' \
    > "$D/check.out" 2>&1 && pass "heartbeat-fail-exit-code-and-tail" || fail "heartbeat-fail-exit-code-and-tail" "message" "$D/check.out"
curl -s -o /dev/null "http://127.0.0.1:$PORT/ping/nightly-export"
if wait_for 5 '[ "$(lines "$D/exec.log" "\"event\":\"recovered\"")" -ge 1 ]'; then pass "heartbeat-recovered"; else fail "heartbeat-recovered" "no recovery" "$LOG"; fi
# now silence: late after period + grace (3 s)
if wait_for 8 '[ "$(lines "$D/exec.log" "\"kind\":\"missing\"")" -ge 1 ]'; then pass "heartbeat-late"; else fail "heartbeat-late" "no late alert" "$LOG"; fi
grep '"kind":"missing"' "$D/exec.log" | head -1 | python3 -c 'import json,sys; a=json.loads(sys.stdin.read()); assert a["check"]=="heartbeat" and a["name"]=="nightly-export" and "no ping for" in a["message"], a' > "$D/check.out" 2>&1 \
    && pass "heartbeat-payload" || fail "heartbeat-payload" "fields" "$D/check.out"
[ "$(metric_value 'telltale_heartbeat_pings_total{heartbeat="nightly-export",type="fail"}')" = 1 ] && pass "heartbeat-metrics" \
    || fail "heartbeat-metrics" "fail pings not counted" "$LOG"

# ---- SIGHUP: reload adds a scenario; a broken config keeps the old one ----
sed -i 's|^scenarios = {|scenarios = {\n  { name = "second", path = "'"$S"'/flag.lua", every = "1s", vars = { OK_FILE = "'"$OK"'" } },|' "$D/serve.lua"
kill -HUP "$SERVE_PID"
if wait_for 8 'metrics | grep -qF "telltale_scenario_last_status{scenario=\"second\"} 1"'; then pass "sighup-reload"; else fail "sighup-reload" "second scenario not running" "$LOG"; fi
cp "$D/serve.lua" "$D/serve.good"
echo 'scenarios = { { path = 1 } }' > "$D/serve.lua"
kill -HUP "$SERVE_PID"
if wait_for 5 '[ "$(metric_value "telltale_config_reloads_total{result=\"error\"}")" = 1 ]' && kill -0 "$SERVE_PID"; then
    pass "sighup-bad-config-kept"
else fail "sighup-bad-config-kept" "bad reload not counted or serve died" "$LOG"; fi
cp "$D/serve.good" "$D/serve.lua"

# ---- SIGTERM: clean stop, exit 0 ----
kill -TERM "$SERVE_PID"
start=$(date +%s)
wait "$SERVE_PID"; code=$?
[ $code = 0 ] && grep -q "stopped" "$LOG" && pass "sigterm-exit" || fail "sigterm-exit" "exit $code" "$LOG"
if grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer\|WARNING: ThreadSanitizer' "$LOG"; then fail "sanitizers-main" "report in the log" "$LOG"; else pass "sanitizers-main"; fi

# ---- webhook down: retried with backoff, counted, logged, never silent ----
cat > "$D/down.lua" <<EOF
scenarios = { { path = "$S/flag.lua", every = "1s", vars = { OK_FILE = "$D/never" }, alerts = { "down", "busy" } } }
alerts = { down = { webhook = "http://127.0.0.1:$CLOSED_PORT/hook" }, busy = { webhook = "$RECV/busy" } }
state_file = "$D/down-state.json"
alert_retry = { attempts = 3, backoff = "200ms", timeout = "2s" }
EOF
touch "$D/recv/busy.fail"
LOG2=$D/down.log
: > "$LOG2"
start_serve "$D/down.lua" "$LOG2" || fail "down-start" "did not start" "$LOG2"
if wait_for 15 '[ "$(metric_value "telltale_alert_deliveries_total{route=\"down\",result=\"failed\"}")" = 1 ] && [ "$(metric_value "telltale_alert_deliveries_total{route=\"busy\",result=\"failed\"}")" = 1 ]'; then
    pass "webhook-down-counted"
else fail "webhook-down-counted" "failed delivery not in /metrics" "$LOG2"; fi
[ "$(metric_value 'telltale_alert_delivery_attempt_errors_total{route="down"}')" = 3 ] && pass "webhook-down-retried" \
    || fail "webhook-down-retried" "expected 3 failed attempts" "$LOG2"
[ "$(lines "$D/recv/busy.refused" .)" = 3 ] && pass "webhook-500-retried" || fail "webhook-500-retried" "expected 3 attempts at the receiver" "$D/recv/busy.refused"
grep -q 'ALERT NOT DELIVERED to down after 3 attempts' "$LOG2" && pass "webhook-down-logged" || fail "webhook-down-logged" "no log line" "$LOG2"
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"

# ---- exec hooks: "not found" said as such; a timeout is SIGTERM (to the group) before SIGKILL ----
cat > "$D/hooks.lua" <<EOF
scenarios = { { path = "$S/flag.lua", every = "1s", vars = { OK_FILE = "$D/never" }, alerts = { "missing", "slow" } } }
alerts = {
  missing = { exec = { "telltale-no-such-hook" } },
  slow = { exec = { "sh", "-c", "trap 'echo term >> $D/slow-hook.log; exit 0' TERM; cat > /dev/null; echo started >> $D/slow-hook.log; while :; do sleep 0.1; done" } },
}
state_file = "$D/hooks-state.json"
alert_retry = { attempts = 1, timeout = "1s" }
EOF
LOG3=$D/hooks.log
: > "$LOG3"
start_serve "$D/hooks.lua" "$LOG3" || fail "hooks-start" "did not start" "$LOG3"
if wait_for 15 'grep -q "ALERT NOT DELIVERED to slow" "$LOG3"' && wait_for 5 'grep -q "ALERT NOT DELIVERED to missing" "$LOG3"'; then
    grep -q "exec hook telltale-no-such-hook could not be run: No such file or directory" "$LOG3" \
        && pass "exec-hook-not-found" || fail "exec-hook-not-found" "no 'could not be run: No such file or directory'" "$LOG3"
    grep -q "exec hook sh did not finish within 1000 ms (stopped: SIGTERM)" "$LOG3" && grep -qx term "$D/slow-hook.log" \
        && pass "exec-hook-timeout-sigterm" || fail "exec-hook-timeout-sigterm" "not stopped by SIGTERM first" "$LOG3" "$D/slow-hook.log"
else
    fail "exec-hooks" "no final delivery result" "$LOG3"
fi
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"

# ---- kill -9 while an alert is still being retried: sent after the restart, once ----
cat > "$D/pend.lua" <<EOF
scenarios = { { path = "$S/flag.lua", every = "1s", vars = { OK_FILE = "$D/never" }, alerts = { "pend" } } }
alerts = { pend = { webhook = "$RECV/pend" } }
state_file = "$D/pend-state.json"
artifacts_dir = "$D/pend-artifacts"
artifacts_url = "https://ci.example.test/pend"
alert_retry = { attempts = 20, backoff = "1s" }
EOF
touch "$D/recv/pend.fail"
LOG8=$D/pend.log
: > "$LOG8"
start_serve "$D/pend.lua" "$LOG8" || fail "pending-start" "did not start" "$LOG8"
wait_for 10 '[ "$(lines "$D/recv/pend.refused" failing)" -ge 1 ]'
kill -9 "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
grep -q '"pending_event":1' "$D/pend-state.json" && pass "pending-alert-saved" || fail "pending-alert-saved" "no pending alert in the state" "$D/pend-state.json"
rm -f "$D/recv/pend.fail"
start_serve "$D/pend.lua" "$LOG8" || fail "pending-restart" "did not restart" "$LOG8"
wait_for 10 '[ "$(lines "$D/recv/pend.log" "\"event\":\"failing\"")" -ge 1 ]'
sleep 2
[ "$(lines "$D/recv/pend.log" "\"event\":\"failing\"")" = 1 ] && grep -q '"step":"ok file present"' "$D/recv/pend.log" \
    && pass "pending-alert-resent" || fail "pending-alert-resent" "expected exactly one failing alert after the restart" "$LOG8"
# what was re-sent is the alert decided before the kill: same run, same trace
python3 - "$D/recv/pend.refused" "$D/recv/pend.log" > "$D/check.out" 2>&1 <<'EOF'
import json, re, sys
first = json.loads(open(sys.argv[1]).readline())
again = json.loads(open(sys.argv[2]).readline())
assert re.fullmatch("[0-9a-f]{32}", again.get("trace_id") or ""), again
assert (again.get("artifacts_url") or "").startswith("https://ci.example.test/pend/"), again
for k in ("run_id", "trace_id", "artifacts_url", "step", "kind", "message", "since"):
    assert again[k] == first[k], (k, first[k], again[k])
EOF
[ $? = 0 ] && pass "pending-alert-same-run" || fail "pending-alert-same-run" "the re-sent alert differs" "$D/check.out"
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"
grep -q 'pending_event' "$D/pend-state.json" && fail "pending-alert-cleared" "still pending after delivery" "$D/pend-state.json" || pass "pending-alert-cleared"

# ---- payload safety: quotes, newlines and a secret in the failure ----
cat > "$D/nasty.lua" <<EOF
scenarios = { { path = "$S/nasty.lua", every = "1s", vars = { API_TOKEN = "tok-0123456789" }, alerts = { "hook" } } }
alerts = { hook = { webhook = "$RECV/nasty" } }
state_file = "$D/nasty-state.json"
artifacts_dir = "$D/artifacts"
artifacts_url = "https://ci.example.test/art"
EOF
LOG3=$D/nasty.log
: > "$LOG3"
start_serve "$D/nasty.lua" "$LOG3" || fail "nasty-start" "did not start" "$LOG3"
wait_for 10 '[ -s "$D/recv/nasty.log" ]'
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"
python3 - "$D/recv/nasty.log" > "$D/check.out" 2>&1 <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines          # one alert, one line: no raw newline escaped the encoder
a = json.loads(lines[0])
assert a["event"] == "failing" and a["name"] == "nasty", a  # the config's name: the file's
assert a["step"] == 'say "hi"', a
assert a["message"].startswith('he said "stop"\n{"event":"recovered","injected":true}\\ token='), a
assert "tok-0123456789" not in lines[0] and "[REDACTED]" in a["message"], a
assert "injected" not in a, a
assert a["artifacts_url"].startswith("https://ci.example.test/art/nasty/") and a["artifacts_url"].endswith("/"), a
EOF
[ $? = 0 ] && pass "payload-injection-safe" || fail "payload-injection-safe" "payload" "$D/check.out"

# ---- a long scenario (60 steps, failing teardowns) is read back whole, and
# the vars file with its secret is gone once each run ends ----
{
    echo 'scenario { name = "long" }'
    for i in $(seq 1 60); do
        if [ "$i" = 50 ]; then echo "step(\"s$i\", function() fail(\"fifty\") end)"; else echo "step(\"s$i\", function() end)"; fi
    done
    for i in 1 2 3 4 5; do echo "teardown(function() error(\"t$i\") end)"; done
} > "$D/long-scenario.lua"
cat > "$D/long.lua" <<EOF
scenarios = { { path = "$D/long-scenario.lua", every = "1s", vars = { API_TOKEN = "tok-long-777" }, alerts = { "hook" } } }
alerts = { hook = { webhook = "$RECV/long" } }
state_file = "$D/long-state.json"
EOF
LOG9=$D/long.log
: > "$LOG9"
mkdir -p "$D/long-tmp"
TMPDIR=$D/long-tmp start_serve "$D/long.lua" "$LOG9" || fail "long-start" "did not start" "$LOG9"
wait_for 10 '[ -s "$D/recv/long.log" ]'
wait_for 10 '[ "$(lines "$LOG9" "scenario long failed")" -ge 3 ]'
# At most the running one's vars file (with the secret) may be there.
grep -rl "tok-long-777" "$D/long-tmp" > "$D/long-vars.out" 2>&1
if [ "$(wc -l < "$D/long-vars.out")" -le 1 ]; then
    pass "vars-file-removed"
else
    fail "vars-file-removed" "finished runs left their vars (secrets) behind" "$D/long-vars.out"
fi
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"
grep -q '"step":"s50"' "$D/recv/long.log" && ! grep -q 'ERROR: AddressSanitizer\|runtime error:' "$LOG9" \
    && pass "long-scenario-read" || fail "long-scenario-read" "expected the alert to name step s50" "$LOG9"

# ---- overlap and a stalled scenario: skipped, counted, /health fails ----
cat > "$D/slow.lua" <<EOF
scenarios = { { path = "$S/slow.lua", every = "1s", timeout = "60s", vars = { SLEEP = 30, TEARDOWN_URL = "$RECV/teardown" } } }
state_file = "$D/slow-state.json"
health_grace = "1s"
run_grace = "3s"
EOF
LOG4=$D/slow.log
: > "$LOG4"
start_serve "$D/slow.lua" "$LOG4" || fail "slow-start" "did not start" "$LOG4"
if wait_for 8 '[ "$(metric_value "telltale_runs_skipped_overlap_total{scenario=\"slow\"}")" -ge 2 ] 2>/dev/null'; then
    pass "overlap-skipped"
else fail "overlap-skipped" "no skipped-overlap count" "$LOG4"; fi
[ "$(pgrep -c -P "$SERVE_PID")" = 1 ] && pass "one-run-at-a-time" || fail "one-run-at-a-time" "$(pgrep -c -P "$SERVE_PID") children"
wait_for 6 '[ "$(curl -s -o "$D/health" -w "%{http_code}" "http://127.0.0.1:$PORT/health")" = 503 ]' \
    && grep -q "scenario slow not started" "$D/health" && pass "health-stalled" || fail "health-stalled" "expected 503" "$D/health"
# SIGTERM: the run is aborted, its teardown runs, serve exits within the bound
kill -TERM "$SERVE_PID"
start=$(date +%s)
wait "$SERVE_PID"; code=$?
took=$(($(date +%s) - start))
[ $code = 0 ] && [ $took -le $((5 * SLOW)) ] && pass "sigterm-bounded (${took}s)" || fail "sigterm-bounded" "exit $code after ${took}s" "$LOG4"
grep -q "teardown ran" "$D/recv/teardown.log" 2>/dev/null && pass "sigterm-teardown" || fail "sigterm-teardown" "teardown did not run" "$LOG4"
[ "$(lines "$D/slow-state.json" '"incident":true')" = 0 ] && pass "sigterm-no-alert" || fail "sigterm-no-alert" "an aborted run opened an incident" "$D/slow-state.json"
# ---- docker/deploy examples, run as written (paths and port moved into the test dir) ----
DEP=$HERE/../docker/deploy
cat > "$D/sysd-serve.lua" <<EOF
scenarios = { { path = "$S/flag.lua", every = "1s", vars = { OK_FILE = "$OK" } } }
state_file = "$D/unused.json"
EOF
mkdir -p "$D/varlib"
cmd=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$DEP/telltale-serve.service" | sed 's/^ExecStart=//; s/\\$//' | tr -d '\n')
cmd=${cmd//\/usr\/local\/bin\/telltale/$BIN}
cmd=${cmd//\/etc\/telltale\/serve.lua/$D/sysd-serve.lua}
cmd=${cmd//\/var\/lib\/telltale/$D/varlib}
cmd=${cmd//127.0.0.1:9464/127.0.0.1:0}
LOG5=$D/sysd.log
: > "$LOG5"
eval "exec $cmd" 2>> "$LOG5" &
SERVE_PID=$!
PIDS="$PIDS $SERVE_PID"
if wait_for 10 'grep -q "listening on port" "$LOG5"'; then
    PORT=$(grep -o 'listening on port [0-9]*' "$LOG5" | awk '{print $4}')
    wait_for 10 '[ -s "$D/varlib/state.json" ]' && pass "systemd-execstart" || fail "systemd-execstart" "no state in StateDirectory" "$LOG5"
    kill -HUP "$SERVE_PID" # ExecReload
    wait_for 5 '[ "$(metric_value "telltale_config_reloads_total{result=\"ok\"}")" = 1 ]' && pass "systemd-execreload" || fail "systemd-execreload" "no reload" "$LOG5"
    kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; code=$?
    [ $code = 0 ] && pass "systemd-stop" || fail "systemd-stop" "exit $code" "$LOG5"
else
    fail "systemd-execstart" "did not start: $cmd" "$LOG5"
fi

mkdir -p "$D/k8s/config"
python3 - "$DEP/serve-deployment.yaml" "$D/k8s" "$HERE/../scenarios" > "$D/k8s/args" 2> "$D/k8s.err" <<'PY'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
out, scen = sys.argv[2], sys.argv[3]
cm = next(d for d in docs if d["kind"] == "ConfigMap")
cfg = cm["data"]["serve.lua"].replace("/etc/telltale/scenarios/", scen + "/").replace("/var/lib/telltale", out)
open(out + "/config/serve.lua", "w").write(cfg)
dep = next(d for d in docs if d["kind"] == "Deployment")
c = dep["spec"]["template"]["spec"]["containers"][0]
assert c["ports"][0]["containerPort"] == 9464 and c["livenessProbe"]["httpGet"]["path"] == "/health"
for a in c["args"]:
    print(a.replace("/etc/telltale/config", out + "/config").replace("/var/lib/telltale", out).replace("0.0.0.0:9464", "127.0.0.1:0"))
PY
if [ $? = 0 ]; then
    mapfile -t args < "$D/k8s/args"
    LOG6=$D/k8s.log
    : > "$LOG6"
    SLACK_WEBHOOK_URL=$RECV/k8s API_TOKEN=k8s-secret-token "$BIN" "${args[@]}" 2>> "$LOG6" &
    SERVE_PID=$!
    PIDS="$PIDS $SERVE_PID"
    if wait_for 10 'grep -q "listening on port" "$LOG6"'; then
        PORT=$(grep -o 'listening on port [0-9]*' "$LOG6" | awk '{print $4}')
        metrics | grep -qF 'telltale_scenario_next_run_timestamp_seconds{scenario="signup-confirm"}' \
            && pass "k8s-deployment-args" || fail "k8s-deployment-args" "scenarios not scheduled" "$LOG6"
        kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; code=$?
        [ $code = 0 ] && pass "k8s-stop" || fail "k8s-stop" "exit $code" "$LOG6"
    else
        fail "k8s-deployment-args" "did not start: ${args[*]}" "$LOG6"
    fi
else
    fail "k8s-deployment-yaml" "cannot read the Deployment" "$D/k8s.err"
fi

# ---- the README's example configuration loads and schedules what it says ----
mkdir -p "$D/readme"
ln -s "$HERE/../scenarios" "$D/readme/scenarios"
sed -n '/^-- \/etc\/telltale\/serve.lua$/,/^```$/p' "$HERE/../README.md" | sed '$d' | sed "s|/var/lib/telltale|$D/readme|g" > "$D/readme/serve.lua"
LOG7=$D/readme.log
: > "$LOG7"
TZ=UTC SLACK_WEBHOOK_URL=$RECV/readme "$BIN" serve "$D/readme/serve.lua" --listen 127.0.0.1:0 2>> "$LOG7" &
SERVE_PID=$!
PIDS="$PIDS $SERVE_PID"
if wait_for 10 'grep -q "listening on port" "$LOG7"'; then
    PORT=$(grep -o 'listening on port [0-9]*' "$LOG7" | awk '{print $4}')
    metrics > "$D/readme.metrics"
    grep -qF 'telltale_scenario_next_run_timestamp_seconds{scenario="signup-confirm"}' "$D/readme.metrics" &&
        grep -qF 'telltale_scenario_next_run_timestamp_seconds{scenario="health"}' "$D/readme.metrics" &&
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/ping/nightly-export")" = 200 ] \
        && pass "readme-config" || fail "readme-config" "scenarios or heartbeat missing" "$D/readme.metrics"
    # cron = "*/5 * * * *": the next start is on a 5-minute boundary, within 5 minutes
    next=$(grep -F 'telltale_scenario_next_run_timestamp_seconds{scenario="signup-confirm"}' "$D/readme.metrics" | awk '{printf "%d", $NF}')
    now=$(date +%s)
    [ -n "$next" ] && [ $((next % 300)) = 0 ] && [ "$next" -gt "$now" ] && [ "$next" -le $((now + 300)) ] \
        && pass "cron-schedule" || fail "cron-schedule" "next start $next at $now" "$D/readme.metrics"
    kill -TERM "$SERVE_PID"; wait "$SERVE_PID"
else
    fail "readme-config" "did not start" "$LOG7"
fi

# ---- serve --help, and the main usage names serve ----
"$BIN" serve --help > "$D/help.out" 2>&1 && grep -q -- "--listen ADDR" "$D/help.out" && "$BIN" --help | grep -q "telltale serve CONFIG" \
    && pass "help" || fail "help" "serve --help" "$D/help.out"
for l in "$LOG2" "$LOG3" "$LOG4" "$LOG5" "${LOG6:-$LOG5}" "$LOG7" "$LOG8"; do
    if grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer\|WARNING: ThreadSanitizer' "$l"; then fail "sanitizers" "report in $l" "$l"; l=bad; break; fi
done
[ "$l" != bad ] && pass "sanitizers"

echo
echo "serve: $passed passed, $failed failed"
[ $failed = 0 ]
