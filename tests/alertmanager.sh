#!/bin/bash
# alertmanager.sh TELLTALE — canaries in several locations against the real
# Debian prometheus-alertmanager on loopback: two `telltale serve` in two
# locations post their alerts (the README's serve-locations.lua block) to
# an Alertmanager running docker/deploy/alertmanager.yml (receivers pointed
# at tests/serve/receiver.py, waits shortened), which must send ONE
# notification per scenario listing both locations; a silence made through
# the API holds a failing check's notification back; an Alertmanager
# restarted without its storage gets the alerts back from the re-posts; a
# recovery sends the resolved notification.  Also: `location` on /metrics
# and --prom-file, the JSON report's field, config errors, the Prometheus
# rules (promtool check + test rules), and the README blocks against the
# files.  Every wait is bounded; about a minute (longer under ASan).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
CASE_PREFIX=alertmanager/
. "$HERE/lib/harness.sh" "$1"
ROOT=$HERE/..
S=$HERE/serve
D=$(mktemp -d /tmp/telltale-am-test.XXXXXX)
PIDS=""
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    [ -n "${TT_KEEP:-}" ] || rm -rf "$D"
}
trap cleanup EXIT

sanitizer_report() { grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer' "$@"; }

# ---- the Prometheus rules ----
if promtool check rules "$ROOT/docker/deploy/prometheus/telltale-rules.yml" > "$D/promtool.out" 2>&1; then
    pass "rules-check"
else fail "rules-check" "promtool check rules" "$D/promtool.out"; fi
if (cd "$ROOT/docker/deploy/prometheus" && promtool test rules telltale-rules.test.yml) > "$D/promtool.out" 2>&1; then
    pass "rules-unit-tests"
else fail "rules-unit-tests" "promtool test rules" "$D/promtool.out"; fi

# ---- the README shows the files the tests run ----
readme_block() { # MARKER: the fenced block after the line holding MARKER
    awk -v m="$1" 'f == 2 && /^```$/ { exit } f == 2 { print } f == 1 && /^```/ { f = 2 } index($0, m) { f = 1 }' "$ROOT/README.md"
}
readme_block '<!-- file: docker/deploy/alertmanager.yml -->' > "$D/readme-am.yml"
if cmp -s "$D/readme-am.yml" "$ROOT/docker/deploy/alertmanager.yml"; then pass "readme-alertmanager-yml"
else diff "$D/readme-am.yml" "$ROOT/docker/deploy/alertmanager.yml" > "$D/diff.out"; fail "readme-alertmanager-yml" "README block differs from the file" "$D/diff.out"; fi
readme_block '<!-- serve-locations.lua' > "$D/locations.lua"
python3 - "$D/locations.lua" "$ROOT/docker/deploy/multi-location.yaml" > "$D/check.out" 2>&1 <<'EOF'
import sys, yaml
block = open(sys.argv[1]).read()
docs = list(yaml.safe_load_all(open(sys.argv[2])))
cfg = docs[0]["data"]["serve.lua"]
assert block.strip() and block in cfg, "the README's serve-locations.lua block is not in the ConfigMap"
locs = [c["env"] for d in docs if d["kind"] == "Deployment" for c in d["spec"]["template"]["spec"]["containers"]]
names = sorted(e["value"] for env in locs for e in env if e["name"] == "TELLTALE_LOCATION")
assert names == ["eu-1", "us-1"], names
EOF
[ $? = 0 ] && pass "readme-serve-block" || fail "readme-serve-block" "README vs multi-location.yaml" "$D/check.out"

# ---- the receiver, and Alertmanager running docker/deploy/alertmanager.yml ----
mkdir -p "$D/recv"
python3 "$S/receiver.py" "$D/recv" &
PIDS="$PIDS $!"
wait_for 10 '[ -f "$D/recv/port" ]' || { echo "receiver did not start"; exit 1; }
RECV=http://127.0.0.1:$(cat "$D/recv/port")
# The deploy file, with what a test must change: the receivers' URLs
# (the recorder) and the waits (seconds, not minutes).
python3 - "$ROOT/docker/deploy/alertmanager.yml" "$RECV" > "$D/am.yml" <<'EOF'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
recv = sys.argv[2]
c["route"].update(group_wait="3s", group_interval="2s", repeat_interval="1h")
for r in c["receivers"]:
    for s in r.get("slack_configs", []):
        s["api_url"] = recv + "/slack-" + r["name"]
    for w in r.get("webhook_configs", []):
        w["url"] = recv + "/hook"
print(yaml.safe_dump(c))
EOF
AM_PORT=$(free_port)
AM=http://127.0.0.1:$AM_PORT
AM_PID=""
start_am() { # STORAGE-DIR
    /usr/bin/prometheus-alertmanager --config.file="$D/am.yml" --storage.path="$1" \
        --web.listen-address=127.0.0.1:$AM_PORT --cluster.listen-address= --log.level=warn >> "$D/am.log" 2>&1 &
    AM_PID=$!
    PIDS="$PIDS $AM_PID"
    wait_for 15 'curl -sf "$AM/-/ready" > /dev/null'
}
if start_am "$D/am-data-1"; then pass "alertmanager-starts"; else fail "alertmanager-starts" "not ready" "$D/am.log"; exit 1; fi

# alerts_json JQ-LIKE-PYTHON: evaluate over GET /api/v2/alerts (list a)
am_alerts() {
    curl -s --max-time 5 "$AM/api/v2/alerts" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" 2>/dev/null
}
# notifications SCENARIO STATUS: how many the webhook got for that group
notifications() {
    python3 - "$D/recv/hook.log" "$1" "$2" <<'EOF' 2>/dev/null || echo 0
import json, sys
n = 0
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m["groupLabels"].get("scenario") == sys.argv[2] and m["status"] == sys.argv[3]:
        n += 1
print(n)
EOF
}

# A silence for `quiet` before anything fails (a deploy window).
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
later=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
curl -s -o "$D/silence.out" -w '%{http_code}' -X POST "$AM/api/v2/silences" -H 'Content-Type: application/json' \
    -d '{"matchers":[{"name":"scenario","value":"quiet","isRegex":false,"isEqual":true}],"startsAt":"'"$now"'","endsAt":"'"$later"'","createdBy":"tests","comment":"deploy"}' > "$D/silence.code"
[ "$(cat "$D/silence.code")" = 200 ] && pass "silence-created" || fail "silence-created" "status $(cat "$D/silence.code")" "$D/silence.out"

# ---- two locations ----
OK=$D/ok
QUIET_OK=$D/quiet-ok
FIRST=$D/first
touch "$QUIET_OK" "$FIRST"
serve_config() { # LOCATION
    {
        cat "$D/locations.lua"
        cat <<EOF
scenarios = {
  { path = "$S/flag.lua", every = "1s", vars = { OK_FILE = "$OK" }, alerts = { "am" } },
  { path = "$S/flag.lua", name = "quiet", every = "1s", vars = { OK_FILE = "$QUIET_OK" }, alerts = { "am" } },
  { path = "$S/flag.lua", name = "moving", every = "1s", vars = { FIRST_FILE = "$FIRST", OK_FILE = "$D/never" },
    alerts = { "am" } },
}
state_file = "$D/state-$1.json"
instance = "canary-$1"
alert_retry = { attempts = 2, backoff = "200ms", timeout = "3s" }
EOF
    } > "$D/serve-$1.lua"
}
declare -A SPID SPORT
start_serve() { # LOCATION
    serve_config "$1"
    : > "$D/serve-$1.log"
    TELLTALE_LOCATION=$1 ALERTMANAGER_URLS="$AM" TELLTALE_RESEND=2s \
        "$BIN" serve "$D/serve-$1.lua" --listen 127.0.0.1:0 2>> "$D/serve-$1.log" &
    SPID[$1]=$!
    PIDS="$PIDS $!"
    wait_for 10 "grep -q 'listening on port' '$D/serve-$1.log'" || return 1
    SPORT[$1]=$(grep -o 'listening on port [0-9]*' "$D/serve-$1.log" | tail -1 | awk '{print $4}')
}
if start_serve eu-1 && start_serve us-1; then pass "serves-start"; else fail "serves-start" "no 'listening on port'" "$D/serve-eu-1.log" "$D/serve-us-1.log"; exit 1; fi

# /metrics carries the location on every series, and passes promtool
wait_for 10 'curl -s "http://127.0.0.1:${SPORT[eu-1]}/metrics" | grep -q "telltale_scenario_last_status{scenario=\"flag\",location=\"eu-1\"} 0"'
curl -s "http://127.0.0.1:${SPORT[eu-1]}/metrics" > "$D/metrics.txt"
if ! promtool check metrics < "$D/metrics.txt" > "$D/promtool.out" 2>&1; then fail "metrics-location" "promtool check metrics" "$D/promtool.out"
elif grep -v '^#' "$D/metrics.txt" | grep -v 'location="eu-1"' | grep -q .; then fail "metrics-location" "a series without location=\"eu-1\"" "$D/metrics.txt"
elif ! grep -qF 'telltale_scenario_last_status{scenario="flag",location="eu-1"} 0' "$D/metrics.txt"; then fail "metrics-location" "no flag status" "$D/metrics.txt"
else pass "metrics-location"; fi

# ONE notification for flag, listing both locations, at the on-call webhook and Slack
if wait_for 20 '[ "$(notifications flag firing)" -ge 1 ]'; then pass "grouped-notification"; else fail "grouped-notification" "no notification for flag" "$D/recv/hook.log" "$D/am.log" "$D/serve-eu-1.log"; fi
sleep $((3 * SLOW)) # several re-posts and group_intervals: still one notification
python3 - "$D/recv/hook.log" > "$D/check.out" 2>&1 <<'EOF'
import json, sys
ms = [json.loads(l) for l in open(sys.argv[1])]
ms = [m for m in ms if m["groupLabels"].get("scenario") == "flag"]
assert len(ms) == 1, "%d notifications for flag: %s" % (len(ms), ms)
m = ms[0]
assert m["status"] == "firing", m
locs = sorted(a["labels"]["location"] for a in m["alerts"])
assert locs == ["eu-1", "us-1"], locs
for a in m["alerts"]:
    l = a["labels"]
    assert l["alertname"] == "TelltaleScenarioFailing" and l["scenario"] == "flag", l
    assert l["step"] == "ok file present" and l["kind"] == "missing" and l["team"] == "web", l
    assert l["instance"] == "canary-" + l["location"], l
    assert "run_id" not in l, l
    an = a["annotations"]
    assert "does not exist" in an["message"] and len(an["run_id"]) >= 8, an
    assert an["summary"] == "scenario flag failing at step ok file present in " + l["location"], an
EOF
[ $? = 0 ] && pass "one-notification-both-locations" || fail "one-notification-both-locations" "payload" "$D/check.out" "$D/recv/hook.log"
if grep -q '"scenario":"flag"' "$D/recv/slack-oncall.log" 2>/dev/null || grep -q 'flag' "$D/recv/slack-oncall.log" 2>/dev/null; then
    pass "slack-notification"
else fail "slack-notification" "no Slack message" "$D/recv/slack-oncall.log"; fi

# the silenced check fails in both locations: Alertmanager has it, suppressed, and says nothing
rm -f "$QUIET_OK"
if wait_for 15 '[ "$(am_alerts "sum(1 for x in a if x[\"labels\"][\"scenario\"] == \"quiet\" and x[\"status\"][\"state\"] == \"suppressed\")")" = 2 ]'; then
    pass "silence-suppresses"
else fail "silence-suppresses" "no two suppressed alerts for quiet" "$D/am.log"; fi
sleep $((4 * SLOW)) # past group_wait
[ "$(notifications quiet firing)" = 0 ] && pass "silence-no-notification" || fail "silence-no-notification" "notified" "$D/recv/hook.log"
grep -q 'ALERT NOT DELIVERED' "$D/serve-eu-1.log" && fail "deliveries" "telltale could not post" "$D/serve-eu-1.log" || pass "deliveries"
touch "$QUIET_OK"

# Alertmanager restarted without its storage (a new, empty directory)
# mid-incident: it starts knowing nothing, and the re-posts bring the
# alerts back (no new failure or recovery happens meanwhile).
kill "$AM_PID"; wait "$AM_PID" 2>/dev/null
if start_am "$D/am-data-2"; then
    if wait_for 15 '[ "$(am_alerts "sum(1 for x in a if x[\"labels\"][\"scenario\"] == \"flag\")")" = 2 ]'; then
        pass "restart-reposted"
    else fail "restart-reposted" "the alerts did not come back" "$D/am.log" "$D/serve-eu-1.log"; fi
else fail "restart-reposted" "did not restart" "$D/am.log"; fi
# what came back is the whole alert: its annotations name the latest failing
# run and its trace (a re-post that dropped one would erase it at Alertmanager)
python3 - "$AM/api/v2/alerts" > "$D/check.out" 2>&1 <<'EOF'
import json, re, sys, urllib.request
a = [x for x in json.load(urllib.request.urlopen(sys.argv[1])) if x["labels"]["scenario"] == "flag"]
assert a, "no flag alert"
for x in a:
    an = x["annotations"]
    assert re.fullmatch("[0-9a-f]{32}", an.get("trace_id", "")), an
    assert len(an.get("run_id", "")) >= 8 and "does not exist" in an.get("message", ""), an
EOF
[ $? = 0 ] && pass "restart-reposted-annotations" || fail "restart-reposted-annotations" "annotations" "$D/check.out"
# endsAt: a few re-posts ahead, not resolve_timeout's default
ends=$(am_alerts '[x["endsAt"] for x in a if x["labels"]["scenario"] == "flag"][0]')
left=$(( $(date -d "$ends" +%s) - $(date +%s) ))
[ "$left" -gt 0 ] && [ "$left" -le 10 ] && pass "ends-at-ahead" || fail "ends-at-ahead" "endsAt $ends ($left s ahead; resend 2s)"

# serve restarted mid-incident, and the failure has moved to another step:
# Alertmanager still holds ONE alert for it there, with the incident's
# labels (a re-post with the new step's would be a second alert, and the
# first would resolve while the check still fails).
moving_eu() { # what Alertmanager holds for moving in eu-1: a list of step labels
    am_alerts '[x["labels"].get("step") for x in a if x["labels"]["scenario"] == "moving" and x["labels"]["location"] == "eu-1"]'
}
wait_for 10 '[ "$(moving_eu)" = "['"'ok file present'"']" ]' ||
    fail "restart-keeps-labels" "before the restart, Alertmanager holds $(moving_eu) for moving in eu-1" "$D/serve-eu-1.log"
kill -TERM "${SPID[eu-1]}"; wait "${SPID[eu-1]}"
mv "$D/serve-eu-1.log" "$D/serve-eu-1-before-restart.log"
rm -f "$FIRST"
if start_serve eu-1 && wait_for 15 "grep -q 'scenario moving failed at step first file present' '$D/serve-eu-1.log'"; then
    sleep $((2 * SLOW)) # its re-post
    [ "$(moving_eu)" = "['ok file present']" ] && pass "restart-keeps-labels" ||
        fail "restart-keeps-labels" "Alertmanager holds $(moving_eu) for moving in eu-1" "$D/serve-eu-1.log"
else fail "restart-keeps-labels" "serve did not restart, or moving did not fail at its first step" "$D/serve-eu-1.log"; fi

# recovery: the resolved notification, both locations
touch "$OK"
if wait_for 20 '[ "$(notifications flag resolved)" -ge 1 ]'; then pass "resolved-notification"; else fail "resolved-notification" "none" "$D/recv/hook.log" "$D/serve-eu-1.log"; fi
# The two serves recover a moment apart: Alertmanager may tell of one
# location's recovery in a notification of its own, so both must have been
# told resolved, in one notification or over several.
resolved_both() {
    python3 - "$D/recv/hook.log" > "$D/check.out" 2>&1 <<'EOF'
import json, sys
ms = [json.loads(l) for l in open(sys.argv[1])]
ms = [m for m in ms if m["groupLabels"].get("scenario") == "flag"]
done = {a["labels"]["location"] for m in ms for a in m["alerts"] if a["status"] == "resolved"}
assert done == {"eu-1", "us-1"}, (done, ms[-1])
assert ms[-1]["status"] == "resolved", ms[-1]
EOF
}
if wait_for 20 resolved_both; then pass "resolved-both-locations"; else fail "resolved-both-locations" "payload" "$D/check.out"; fi

# a stopped canary's alerts are not re-posted by anyone: nothing to do here
# but check that serve stops cleanly
for l in eu-1 us-1; do kill -TERM "${SPID[$l]}"; wait "${SPID[$l]}"; done
sanitizer_report "$D"/serve-*.log && fail "sanitizers" "report" "$D/serve-eu-1.log" "$D/serve-us-1.log" || pass "sanitizers"

# ---- config errors: exit 2 with the reason ----
config_error() { # NAME TEXT CONFIG-BODY
    printf '%s\n' "$3" > "$D/bad.lua"
    timeout 10 "$BIN" serve "$D/bad.lua" --listen 127.0.0.1:0 > "$D/bad.out" 2>&1
    local code=$?
    if [ $code != 2 ]; then fail "config-$1" "exit $code, expected 2" "$D/bad.out"
    elif ! grep -qF -- "$2" "$D/bad.out"; then fail "config-$1" "output lacks: $2" "$D/bad.out"
    else pass "config-$1"; fi
}
HB='heartbeats = { { name = "a", period = "1m", alerts = { "am" } } }'
config_error am-url "alerts.am: the URL must start with http:// or https://" "$HB
alerts = { am = { alertmanager = \"am:9093\" } }"
config_error am-empty "alerts.am: alertmanager must be a URL or a list of URLs" "$HB
alerts = { am = { alertmanager = {} } }"
config_error am-reserved-label "alerts.am: labels: 'location' is set by telltale itself" "$HB
alerts = { am = { alertmanager = \"http://am:9093\", labels = { location = \"x\" } } }"
config_error am-bad-label "alerts.am: labels: 'a-b' is not a label name" "$HB
alerts = { am = { alertmanager = \"http://am:9093\", labels = { [\"a-b\"] = \"x\" } } }"
config_error am-resend "alerts.am: resend must be at least 1s" "$HB
alerts = { am = { alertmanager = \"http://am:9093\", resend = \"100ms\" } }"
config_error labels-not-am "alerts.am: labels and resend are options of an alertmanager route" "$HB
alerts = { am = { webhook = \"http://h/\", labels = { team = \"web\" } } }"
config_error bad-location "location 'eu 1': only letters, digits" "$HB
alerts = { am = { webhook = \"http://h/\" } }
location = \"eu 1\""

# ---- docker/deploy/multi-location.yaml's config as written, with each Deployment's env ----
python3 - "$ROOT/docker/deploy/multi-location.yaml" "$D" "$ROOT/scenarios" <<'EOF' > "$D/k8s.env" 2> "$D/k8s.err"
import shlex, sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
out, scen = sys.argv[2], sys.argv[3]
cfg = docs[0]["data"]["serve.lua"].replace("/etc/telltale/scenarios/", scen + "/").replace("/var/lib/telltale", out)
open(out + "/k8s-serve.lua", "w").write(cfg)
for d in docs:
    if d["kind"] != "Deployment":
        continue
    c = d["spec"]["template"]["spec"]["containers"][0]
    assert c["args"][:2] == ["serve", "/etc/telltale/config/serve.lua"], c["args"]
    env = {e["name"]: e["value"] for e in c["env"]}
    print(env["TELLTALE_LOCATION"], shlex.quote(env["ALERTMANAGER_URLS"]))
EOF
k8s_ok=$?
while [ $k8s_ok = 0 ] && read -r loc urls; do
    eval "urls=$urls"
    : > "$D/k8s-$loc.log"
    TELLTALE_LOCATION=$loc ALERTMANAGER_URLS=$urls "$BIN" serve "$D/k8s-serve.lua" --listen 127.0.0.1:0 --state "$D/k8s-$loc.json" 2>> "$D/k8s-$loc.log" &
    pid=$!
    PIDS="$PIDS $pid"
    if wait_for 10 "grep -q 'listening on port' '$D/k8s-$loc.log'"; then
        port=$(grep -o 'listening on port [0-9]*' "$D/k8s-$loc.log" | awk '{print $4}')
        curl -s "http://127.0.0.1:$port/metrics" | grep -qF "telltale_scenario_next_run_timestamp_seconds{scenario=\"health\",location=\"$loc\"}" \
            && pass "k8s-location-$loc" || fail "k8s-location-$loc" "no location label" "$D/k8s-$loc.log"
        kill -TERM "$pid"; wait "$pid"
    else
        fail "k8s-location-$loc" "did not start" "$D/k8s-$loc.log"
    fi
done < "$D/k8s.env"
[ $k8s_ok = 0 ] && [ "$(wc -l < "$D/k8s.env")" = 2 ] || fail "k8s-manifests" "not two locations" "$D/k8s.err" "$D/k8s.env"

# ---- telltale run --location: the metrics label and the JSON report field ----
cat > "$D/pass.lua" <<'EOF'
scenario { name = "loc-pass" }
step("passes", function() end)
EOF
if timeout $((30 * SLOW)) "$BIN" run --location eu-1 --prom-file "$D/run.prom" --json "$D/run.json" "$D/pass.lua" > "$D/run.out" 2>&1 \
    && promtool check metrics < "$D/run.prom" > "$D/promtool.out" 2>&1 \
    && grep -qF 'telltale_scenario_last_status{scenario="loc-pass",location="eu-1"} 1' "$D/run.prom" \
    && ! grep -v '^#' "$D/run.prom" | grep -v 'location="eu-1"' | grep -q . \
    && python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["location"] == "eu-1"' "$D/run.json"; then
    pass "run-location"
else fail "run-location" "prom file or report" "$D/run.out" "$D/promtool.out" "$D/run.prom"; fi
timeout 10 "$BIN" run --location 'eu 1' "$D/pass.lua" > "$D/run.out" 2>&1
[ $? = 2 ] && grep -q "invalid --location: location 'eu 1'" "$D/run.out" && pass "run-location-invalid" || fail "run-location-invalid" "expected exit 2" "$D/run.out"

echo
echo "alertmanager: $passed passed, $failed failed"
[ $failed = 0 ]
