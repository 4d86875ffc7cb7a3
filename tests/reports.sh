#!/bin/bash
# reports.sh TELLTALE — the reports as their consumers see them, against the
# test nginx: --html rendered by headless Chromium (the text a person reads,
# no markup injected, no secret, links to the artifacts), --tap parsed by
# tap-parser (Debian's node-tap-parser: counts, subtests, YAML, no parse
# error), --nagios run as a plugin (the four exit codes, the status line and
# the perfdata grammar of the Monitoring Plugins guidelines).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
CASE_PREFIX=reports/
. "$HERE/lib/harness.sh" "$1"
. "$HERE/lib/services.sh"
R=$HERE/reports
D=$TT_DIR/reports
trap 'services_stop; [ -n "${TT_KEEP:-}" ] || rm -rf "$TT_DIR"' EXIT
no_sanitizer_report() { ! grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer' "$@"; }

services_start || { echo "cannot start test services"; exit 1; }
mkdir -p "$D/out"
VARS=(--var "BASE=$TT_HTTP" --var "TLS=$TT_HTTPS")
tt() { timeout $((60 * SLOW)) "$BIN" run "${VARS[@]}" "$@"; }

# ---- HTML ----
tt --html "$D/out/report.html" --json "$D/out/report.json" --artifacts "$D/art" \
    "$R/pass.lua" "$R/retry.lua" "$R/fail.lua" > "$D/html.out" 2>&1
code=$?
if [ "$code" = 1 ] && [ -s "$D/out/report.html" ] && no_sanitizer_report "$D/html.out"; then pass "html-written"
else fail "html-written" "exit $code" "$D/html.out"; fi
# Rendered with JavaScript off: what a person reads.
timeout 120 chromium --headless=new --no-sandbox --disable-gpu --disable-javascript \
    --dump-dom "file://$D/out/report.html" > "$D/dom.html" 2> "$D/chromium.err"
timeout 120 chromium --headless=new --no-sandbox --disable-gpu --window-size=1200,1600 \
    --screenshot="$D/report.png" "file://$D/out/report.html" > /dev/null 2>> "$D/chromium.err"
python3 - "$D/dom.html" "$D/out/report.json" "$D/out/report.html" "$D" > "$D/html.check" 2>&1 <<'EOF'
import html.parser, json, os, re, sys
dom, report, raw, base = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), open(sys.argv[3]).read(), sys.argv[4]

class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.tags, self.links, self.styles = [], [], [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if tag == "a": self.links.append(a.get("href", ""))
        if "style" in a: self.styles.append(a["style"])
    def handle_data(self, data): self.text.append(data)

p = Text()
p.feed(dom)
text = re.sub(r"\s+", " ", " ".join(p.text))
assert len(dom) > 2000, "Chromium rendered nothing"
for s in report["scenarios"]:
    assert s["name"] in text, "scenario %r not in the page" % s["name"]
    assert s["trace_id"] in text, "trace id of %r not in the page" % s["name"]
    for st in s["steps"]:
        assert st["name"] in text, st["name"]
        for q in st["requests"]:
            assert q["url"] in text, q["url"]
            assert q["span_id"] in text, q["span_id"]
assert report["run_id"] in text
for want in ["2 passed", "1 failed", "3 scenarios", "health <b>check</b>", "got <i>200</i> & fine",
             "returned 500", "near miss: uid 7", "teardown: log out", "no receipt <yet>", "2 attempts",
             "dns", "connect", "tls", "ttfb", "skipped", "Logs", "Artifacts"]:
    assert want in text, "page lacks %r" % want
# Markup from scenarios stays text: no <b> or <i> element, no script at all.
assert "b" not in p.tags and "i" not in p.tags and "script" not in p.tags, sorted(set(p.tags))
# Self-contained: nothing fetched from anywhere.
assert not re.search(r"""(src|href)=["']?(https?:)?//""", raw), "a resource from the network"
assert "<link" not in raw and "@import" not in raw and "url(" not in raw
# Secrets never reach it.
assert "s3cr3t-pa55" not in raw, "a secret in the HTML report"
# The waterfall: CSS widths, one bar per step and request.
bars = [s for s in p.styles if "width:" in s and "left:" in s]
assert len(bars) >= 6, bars
# TLS timing of the HTTPS request is drawn.
assert any(q["timings"]["tls"] > 0 for st in report["scenarios"][0]["steps"] for q in st["requests"]), "no tls time"
# Artifacts: relative links that resolve from the report's directory.
arts = [h for h in p.links if "art/" in h]
assert arts, "no artifact links"
for h in arts:
    assert not h.startswith("/") and "://" not in h, h
    assert os.path.isfile(os.path.join(base, "out", h)), "dangling artifact link " + h
EOF
[ $? = 0 ] && pass "html-rendered" || fail "html-rendered" "Chromium's DOM" "$D/html.check" "$D/chromium.err"
[ "$(stat -c %s "$D/report.png" 2>/dev/null || echo 0)" -gt 20000 ] && pass "html-screenshot" \
    || fail "html-screenshot" "no screenshot" "$D/chromium.err"

# ---- TAP ----
tt --tap "$D/out/report.tap" "$R/pass.lua" "$R/retry.lua" "$R/fail.lua" "$R/broken.lua" > "$D/tap.out" 2>&1
code=$?
[ "$code" = 2 ] && no_sanitizer_report "$D/tap.out" && pass "tap-written" || fail "tap-written" "exit $code" "$D/tap.out"
NODE_PATH=/usr/share/nodejs node - "$D/out/report.tap" > "$D/tap.check" 2>&1 <<'EOF'
const Parser = require("tap-parser");
const fs = require("fs");
const text = fs.readFileSync(process.argv[2], "utf8");
const assert = (c, m) => { if (!c) { console.error("FAIL: " + m); process.exit(1); } };
assert(text.startsWith("TAP version 14\n1..4\n"), "version line and plan first");
assert(!text.includes("s3cr3t-pa55"), "a secret in the TAP report");
const children = [], asserts = [];
const p = new Parser(r => {
  assert(r.count === 4 && r.pass === 2 && r.fail === 2, "counts: " + JSON.stringify(r));
  assert(r.plan.start === 1 && r.plan.end === 4, "plan");
  for (const f of r.failures) assert(!f.tapError, "parse error: " + JSON.stringify(f));
  const pay = asserts.find(a => a.name === "checkout");
  assert(pay && !pay.ok && pay.diag.kind === "http" && /returned 500/.test(pay.diag.message), "checkout diag");
  assert(/^[0-9a-f]{32}$/.test(pay.diag.trace_id), "trace_id");
  assert(typeof pay.diag.detail === "string" && pay.diag.detail.includes("status 500"), "detail block");
  const broken = asserts.find(a => /broken/.test(a.name));
  assert(broken && !broken.ok && broken.diag.kind === "script", "broken");
  const sub = children.find(c => c.name === "checkout");
  assert(sub && sub.final.count === 4 && sub.final.pass === 2 && sub.final.fail === 2 && sub.final.skip === 1,
         "checkout subtest: " + JSON.stringify(sub && sub.final));
  const td = sub.asserts.find(a => a.name === "teardown: log out");
  assert(td && !td.ok && td.diag.detail.includes("near miss: uid 7"), "teardown diag");
  const flaky = children.find(c => c.name === "flaky");
  assert(flaky && flaky.final.count === 1 && flaky.final.pass === 1, "flaky subtest");
  console.log("tap ok");
});
p.on("assert", a => asserts.push(a));
p.on("child", c => {
  const rec = { name: null, asserts: [], final: null };
  c.on("comment", l => { if (!rec.name) rec.name = l.replace(/^# Subtest: /, "").trim(); });
  c.on("assert", a => rec.asserts.push(a));
  c.on("complete", r => { rec.final = r; });
  children.push(rec);
});
p.end(text);
EOF
[ $? = 0 ] && pass "tap-parsed" || fail "tap-parsed" "tap-parser" "$D/tap.check" "$D/out/report.tap"

# ---- Nagios ----
# Perfdata in the guidelines' grammar: 'label'=value[UOM];[warn];[crit];[min];[max],
# space separated; a label with spaces is quoted and holds no quote or '='.
nagios_case() { # NAME WANT_CODE WANT_STATE [TEXT] -- ARGS...
    local name=$1 want=$2 state=$3 text=$4 code first perf
    shift 5
    timeout $((60 * SLOW)) "$BIN" run "$@" > "$D/nagios.out" 2> "$D/nagios.err"
    code=$?
    first=$(head -n 1 "$D/nagios.out")
    if [ "$code" != "$want" ]; then fail "nagios-$name" "exit $code, expected $want" "$D/nagios.out" "$D/nagios.err"; return; fi
    if ! no_sanitizer_report "$D/nagios.err"; then fail "nagios-$name" "sanitizer report" "$D/nagios.err"; return; fi
    case "$first" in "TELLTALE $state - "*) ;; *) fail "nagios-$name" "first line: $first" "$D/nagios.out"; return ;; esac
    if [ -n "$text" ] && ! grep -qF -- "$text" "$D/nagios.out"; then fail "nagios-$name" "lacks: $text" "$D/nagios.out"; return; fi
    if grep -qF "s3cr3t-pa55" "$D/nagios.out"; then fail "nagios-$name" "a secret in the output" "$D/nagios.out"; return; fi
    if [ "$state" != UNKNOWN ] || [[ "$first" == *"|"* ]]; then
        perf=${first#*| }
        [ "$perf" != "$first" ] || { fail "nagios-$name" "no perfdata: $first"; return; }
        python3 -c '
import re, sys
item = r"(\x27[^\x27=]+\x27|[^\x27 =]+)=(-?[0-9]+(\.[0-9]+)?(s|ms|us|%|B|KB|MB|TB|c)?|U);[0-9.:~@-]*;[0-9.:~@-]*;[0-9.-]*;[0-9.-]*"
sys.exit(0 if re.fullmatch(item + "( " + item + ")*", sys.argv[1]) else 1)' "$perf" \
            || { fail "nagios-$name" "perfdata not in the guidelines' grammar: $perf"; return; }
    fi
    pass "nagios-$name"
}
nagios_case ok 0 OK "1 scenario passed" -- --nagios "${VARS[@]}" "$R/pass.lua"
nagios_case ok-perfdata 0 OK "'health <b>check</b>'=" -- --nagios "${VARS[@]}" "$R/pass.lua"
nagios_case ok-thresholds 0 OK ";30;60;0;" -- --nagios --warning 30s --critical 1m "${VARS[@]}" "$R/pass.lua"
nagios_case ok-per-step 0 OK "'health <b>check</b>/home page'=" -- --nagios -v "${VARS[@]}" "$R/pass.lua"
nagios_case warning-retry 1 WARNING "step 'second time lucky' needed 2 attempts" -- --nagios "$R/retry.lua"
nagios_case warning-slow 1 WARNING "took" -- --nagios --warning 1ms --critical 1h "${VARS[@]}" "$R/pass.lua"
nagios_case critical-failed 2 CRITICAL "checkout failed at step 'pay': [http]" -- --nagios "${VARS[@]}" "$R/pass.lua" "$R/fail.lua"
nagios_case critical-slow 2 CRITICAL "(critical 0.001s)" -- --nagios --critical 1ms "${VARS[@]}" "$R/pass.lua"
nagios_case unknown-load 3 UNKNOWN "could not be loaded" -- --nagios "${VARS[@]}" "$R/pass.lua" "$R/broken.lua"
nagios_case unknown-missing-file 3 UNKNOWN "cannot read scenario path" -- --nagios "$R/no-such.lua"
nagios_case unknown-bad-option 3 UNKNOWN "unknown or incomplete option '--bogus'" -- --bogus --nagios "$R/pass.lua"
nagios_case unknown-bad-threshold 3 UNKNOWN "invalid --warning" -- --nagios --warning soon "$R/pass.lua"
nagios_case unknown-no-paths 3 UNKNOWN "needs at least one scenario" -- --nagios
# Without --nagios the thresholds mean nothing: a usage error (2).
"$BIN" run --warning 1s "$R/retry.lua" > "$D/nagios.out" 2>&1
[ $? = 2 ] && grep -q "thresholds of --nagios" "$D/nagios.out" && pass "warning-needs-nagios" \
    || fail "warning-needs-nagios" "expected exit 2" "$D/nagios.out"

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
