# cli.sh — command-line cases, sourced by run.sh (uses cli_case, pass/fail, $BIN).
# Each: the command, the exit code it must give, text its output must hold.

C=$HERE/cli
cli_case version 0 "telltale " -- "$BIN" version
cli_case help 0 "exit codes:" -- "$BIN" --help
cli_case run-help 0 "--vars-file FILE" -- "$BIN" run --help
cli_case no-command 2 "usage:" -- "$BIN"
cli_case unknown-command 2 "unknown command 'frobnicate'" -- "$BIN" frobnicate
cli_case unknown-option 2 "unknown or incomplete option '--bogus'" -- "$BIN" run --bogus "$C/good.lua"
cli_case bad-var 2 "invalid --var 'NOEQUALS'" -- "$BIN" run --var NOEQUALS "$C/good.lua"
cli_case bad-parallel 2 "invalid --parallel '0'" -- "$BIN" run --parallel 0 "$C/good.lua"
cli_case bad-timeout 2 "invalid --timeout: unknown unit 'x'" -- "$BIN" run --timeout 5x "$C/good.lua"
cli_case missing-file 2 "cannot read scenario path /nonexistent.lua: No such file or directory" -- "$BIN" run /nonexistent.lua
cli_case missing-vars-file 2 "cannot read --vars-file /nonexistent.env" -- "$BIN" run --vars-file /nonexistent.env "$C/good.lua"
cli_case no-files 2 "needs at least one scenario" -- "$BIN" run
cli_case check-good 0 "ok    $C/good.lua: good one, 2 steps, 1 teardown" -- "$BIN" check "$C/good.lua"
cli_case check-dup 2 "dup-step.lua:2: duplicate step name 'same' (first declared at line 1)" -- "$BIN" check "$C/dup-step.lua"
cli_case check-option 2 "bad-option.lua:1: unknown step option 'timout'" -- "$BIN" check "$C/bad-option.lua"
cli_case check-duration 2 "unknown unit 'x' in duration '5x'" -- "$BIN" check "$C/bad-duration.lua"
cli_case list 0 "1. first  (timeout 2s, retries 1)" -- "$BIN" list "$C/good.lua"
cli_case list-tags 0 "tags: smoke api" -- "$BIN" list "$C/good.lua"
cli_case vars-file 0 "1 passed" -- "$BIN" run --vars-file "$C/vars.env" --var CLI=1 "$C/vars.lua"
cli_case tag-filter 0 "1 scenarios: 1 passed" -- "$BIN" run --tag smoke "$C/good.lua" "$C/sleeper.lua"

# The CLI refuses what it cannot honour.
cli_case tag-matches-nothing 2 "no scenario matches --tag typo (2 scenario files searched)" -- "$BIN" run --tag typo "$C/good.lua" "$C/sleeper.lua"
cli_case list-tag-matches-nothing 2 "no scenario matches --tag typo" -- "$BIN" list --tag typo "$C/good.lua"
cli_case check-tag-matches-nothing 2 "no scenario matches --tag typo" -- "$BIN" check --tag typo "$C/good.lua"
mkdir -p "$TT_DIR/empty-dir"
cli_case path-matches-nothing 2 "no *.lua scenario files found in $TT_DIR/empty-dir" -- "$BIN" run "$C/good.lua" "$TT_DIR/empty-dir"
cli_case options-after-paths 0 "✓ first" -- "$BIN" run "$C/good.lua" -v --no-color
cli_case options-after-paths-check 0 "ok    $C/good.lua" -- "$BIN" check "$C/good.lua" --var X=1
cli_case check-refuses-junit 2 "'telltale check' does not use --junit" -- "$BIN" check --junit "$TT_DIR/never.xml" "$C/good.lua"
if [ -e "$TT_DIR/never.xml" ]; then fail "cli/check-refuses-junit-writes-nothing" "$TT_DIR/never.xml exists"; else pass "cli/check-refuses-junit-writes-nothing"; fi
cli_case list-refuses-parallel 2 "'telltale list' does not use --parallel" -- "$BIN" list --parallel 2 "$C/good.lua"
cli_case check-refuses-verbose 2 "'telltale check' does not use -v" -- "$BIN" check -v "$C/good.lua"
cli_case check-help 0 "usage: telltale check [options] PATH..." -- "$BIN" check --help
if "$BIN" check --help | grep -q -- "--junit"; then fail "cli/check-help-own-options" "check --help lists --junit"; else pass "cli/check-help-own-options"; fi
cli_case list-help 0 "usage: telltale list [options] PATH..." -- "$BIN" list --help
cli_case run-help-own 0 "--junit FILE" -- "$BIN" run --help
cli_case list-honours-tag 0 "good one" -- "$BIN" list --tag api "$C/good.lua" "$C/sleeper.lua"
if "$BIN" list --tag api "$C/good.lua" "$C/sleeper.lua" | grep -q sleeper; then fail "cli/list-tag-filters" "list --tag api shows sleeper"; else pass "cli/list-tag-filters"; fi
cli_case check-lists-needed-vars 0 "needs vars: IMAP_URL, MAIL_USER, MAIL_PASSWORD (pass --var NAME=... or --vars-file)" -- "$BIN" check "$C/needs-vars.lua"
cli_case check-lists-needed-vars-on-error 2 "needs vars: IMAP_URL, MAIL_USER, MAIL_PASSWORD" -- "$BIN" check "$C/needs-vars-top.lua"
cli_case check-given-vars-not-listed 0 "needs vars: MAIL_PASSWORD" -- "$BIN" check --var IMAP_URL=imap://x --var MAIL_USER=u "$C/needs-vars.lua"
cli_case run-unset-var 2 "vars.IMAP_URL is not set (pass --var IMAP_URL=... or --vars-file)" -- "$BIN" run "$C/needs-vars-top.lua"
cli_case max-body-spelling 2 "invalid --max-body '10Q'" -- "$BIN" run --max-body 10Q "$C/good.lua"

# --parallel: four 1-second sleepers finish together, not one after another.
mkdir -p "$TT_DIR/par"
for i in 1 2 3 4; do cp "$C/sleeper.lua" "$TT_DIR/par/s$i.lua"; done
start=$(date +%s%N)
cli_case parallel 0 "4 scenarios: 4 passed" -- "$BIN" run --parallel 4 "$TT_DIR/par"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -lt $((1900 * SLOW)) ]; then pass "cli/parallel-concurrent"; else fail "cli/parallel-concurrent" "4 x 1s sleepers took ${ms}ms with --parallel 4"; fi

# --fail-fast: after the first failure nothing new starts.
mkdir -p "$TT_DIR/ff"
printf 'step("x", function() fail("boom") end)\n' > "$TT_DIR/ff/a.lua"
cp "$C/good.lua" "$TT_DIR/ff/b.lua"
cli_case fail-fast 1 "1 failed, 1 skipped" -- "$BIN" run --parallel 1 --fail-fast "$TT_DIR/ff"

# --timeout bounds the whole run.
cli_case run-timeout 1 "the run's --timeout" -- "$BIN" run --timeout 300ms "$C/sleeper.lua"

# PostgreSQL: a failing query in one scenario never breaks the next one on
# the same pool (one connection, so it is the very same connection).
mkdir -p "$TT_DIR/poison"
cat > "$TT_DIR/poison/a.lua" <<'LUA'
step("break", function() db.connect{ dsn = vars.DSN, pool = 1 }:query("SELECT 1 / 0") end)
LUA
cat > "$TT_DIR/poison/b.lua" <<'LUA'
step("use", function()
  local h = db.connect{ dsn = vars.DSN, pool = 1 }
  expect(h:value("SELECT 2")):eq(2)
  expect(h:connections()):eq(1)
end)
LUA
cli_case db-next-scenario-clean 1 "2 scenarios: 1 passed, 1 failed" -- "$BIN" run --parallel 1 --var "DSN=$TT_PG_DSN" "$TT_DIR/poison"

# PostgreSQL: 100 concurrent scenarios share a pool of 4 — direct and through
# pgbouncer; the server itself never sees more than 4 of our connections.
mkdir -p "$TT_DIR/many"
for i in $(seq -w 1 100); do
cat > "$TT_DIR/many/s$i.lua" <<'LUA'
step("query", function()
  -- A name of this run's own, so other runs' connections do not count.
  local name = "many-" .. run.id
  local h = db.connect{ dsn = vars.DSN, pool = 4, application_name = name }
  for _ = 1, 5 do
    expect(h:value("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", name)):le(4)
  end
  expect(h:connections()):le(4)
end)
LUA
done
cli_case db-100-on-pool-of-4 0 "100 scenarios: 100 passed" -- "$BIN" run --parallel 100 --var "DSN=$TT_PG_DSN" "$TT_DIR/many"
cli_case db-100-through-pgbouncer 0 "100 scenarios: 100 passed" -- "$BIN" run --parallel 100 --var "DSN=$TT_PGB_DSN" "$TT_DIR/many"

# The examples are tests: scenarios/ targets the demo app, and tests/demo.sh
# runs it against the demo stack (healthy and under each fault); here every
# example loads, and the scenario shown at the top of README.md is
# scenarios/health.lua, verbatim.
cli_case examples 0 "health.lua: health, 1 step" -- "$BIN" check "$HERE/../scenarios"
sed -n '/^```lua$/,/^```$/p' "$HERE/../README.md" | sed '1d' | sed -n '1,/^```$/p' | sed '$d' > "$TT_DIR/readme-example.lua"
if tail -n +2 "$TT_DIR/readme-example.lua" | diff - "$HERE/../scenarios/health.lua" > "$TT_DIR/readme.diff"; then
    pass "cli/readme-example-is-scenarios-health"
else
    fail "cli/readme-example-is-scenarios-health" "README's first example differs from scenarios/health.lua" "$TT_DIR/readme.diff"
fi

# Each scenario run has its own cookie jar: a cookie set by one scenario is
# not sent by the next.
mkdir -p "$TT_DIR/jar"
printf 'step("set", function() http.get(vars.BASE .. "/cookie/set") end)\n' > "$TT_DIR/jar/a.lua"
printf 'step("check", function() expect(http.get(vars.BASE .. "/cookie/check").body):eq("cookie=\\n") end)\n' > "$TT_DIR/jar/b.lua"
cli_case cookie-jar-per-scenario 0 "2 scenarios: 2 passed" -- "$BIN" run --parallel 1 --var "BASE=$TT_HTTP" "$TT_DIR/jar"

# make install puts a working binary (with its Lua library inside) in PREFIX.
if [ "$(basename "$BIN")" = telltale ] && [ "$(dirname "$BIN")" = "$(cd "$HERE/.." && pwd)" ]; then
    cli_case install 0 "" -- make -s -C "$HERE/.." install PREFIX="$TT_DIR/prefix"
    cli_case installed-runs 0 "1 scenarios: 1 passed" -- "$TT_DIR/prefix/bin/telltale" run "$C/good.lua"
fi

# --vars-file FILE.json: an object of names to values; broken JSON is a usage error.
printf '{"FROM_FILE": "file value", "QUOTED": "a b"}' > "$TT_DIR/vars.json"
cli_case vars-file-json 0 "1 passed" -- "$BIN" run --vars-file "$TT_DIR/vars.json" --var CLI=1 "$C/vars.lua"
printf '{"FROM_FILE": ' > "$TT_DIR/bad.json"
cli_case vars-file-bad-json 2 "--vars-file $TT_DIR/bad.json: invalid JSON" -- "$BIN" run --vars-file "$TT_DIR/bad.json" "$C/vars.lua"
# A name that is not one, or a NUL byte, is refused: "A=B" would have set A.
printf '{"FROM_FILE=x": "y"}' > "$TT_DIR/eqname.json"
cli_case vars-file-json-bad-name 2 "'FROM_FILE=x' is not a name" -- "$BIN" run --vars-file "$TT_DIR/eqname.json" "$C/vars.lua"
printf '{"FROM_FILE": "a\\u0000b"}' > "$TT_DIR/nulvalue.json"
cli_case vars-file-json-nul 2 "the value of FROM_FILE contains a NUL byte" -- "$BIN" run --vars-file "$TT_DIR/nulvalue.json" "$C/vars.lua"
printf 'FROM_FILE=x\n\0QUOTED=y\n' > "$TT_DIR/nul.env"
cli_case vars-file-nul 2 "contains a NUL byte" -- "$BIN" run --vars-file "$TT_DIR/nul.env" "$C/vars.lua"

# --timeout that keeps a scenario from starting is a failure, not a pass.
mkdir -p "$TT_DIR/cut"
printf 'step("quick", function() end)\nteardown(function() sleep(1) end)\n' > "$TT_DIR/cut/a.lua"
cp "$C/good.lua" "$TT_DIR/cut/b.lua"
cli_case timeout-skips-fail 1 "1 passed, 0 failed, 1 skipped" -- "$BIN" run --parallel 1 --timeout 500ms "$TT_DIR/cut"
