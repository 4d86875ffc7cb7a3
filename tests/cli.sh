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
    for f in share/man/man1/telltale.1 share/telltale/lua/telltale.lua share/bash-completion/completions/telltale \
        share/zsh/site-functions/_telltale; do
        cli_case "installed-$(basename "$f")" 0 "" -- test -s "$TT_DIR/prefix/$f"
    done
    cli_case installed-man 0 "telltale - play real user flows" -- env MANPATH="$TT_DIR/prefix/share/man" MANWIDTH=100 man telltale
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

# ---- --repeat: the selection N times in one process ----
cli_case repeat 1 "flaky: 2 of 4 runs failed (2 assertion), slowest #" -- \
    "$BIN" run --repeat 4 --json "$TT_DIR/repeat.json" --junit "$TT_DIR/repeat.xml" "$C/flaky.lua" "$C/good.lua"
cp "$TT_DIR/cli.out" "$TT_DIR/repeat.out"
cli_case repeat-total 0 "8 runs (4 of each scenario): 6 passed, 2 failed" -- cat "$TT_DIR/repeat.out"
cli_case repeat-passing 0 "good one: 0 of 4 runs failed, slowest #" -- cat "$TT_DIR/repeat.out"
cli_case repeat-run-lines 1 "FAIL  flaky #2" -- "$BIN" run --repeat 2 "$C/flaky.lua"
cli_case repeat-json 0 "" -- python3 "$HERE/lib/check_json.py" "$TT_DIR/repeat.json" \
    'r["repeat"] == 4 and [(s["name"], s["repeat"], s["status"]) for s in r["scenarios"] if s["name"] == "flaky"] == [("flaky", k, "failed" if k % 2 == 0 else "passed") for k in (1, 2, 3, 4)] and sorted(s["repeat"] for s in r["scenarios"] if s["name"] == "good one") == [1, 2, 3, 4]'
cli_case repeat-junit 0 "" -- xmllint --noout --schema "$HERE/junit.xsd" "$TT_DIR/repeat.xml"
cli_case repeat-junit-names 0 'testcase name="maybe #2"' -- cat "$TT_DIR/repeat.xml"
cli_case repeat-no-run-suffix-without 0 "" -- "$BIN" run --junit "$TT_DIR/once.xml" "$C/good.lua"
if grep -q 'name="first #1"' "$TT_DIR/once.xml"; then fail "cli/repeat-no-suffix" "a run without --repeat has #1 in its JUnit names"; else pass "cli/repeat-no-suffix"; fi
cli_case repeat-bad 2 "invalid --repeat '0': expected 1..100000" -- "$BIN" run --repeat 0 "$C/good.lua"
cli_case repeat-not-number 2 "invalid --repeat 'x'" -- "$BIN" run --repeat x "$C/good.lua"
cli_case check-refuses-repeat 2 "'telltale check' does not use --repeat" -- "$BIN" check --repeat 2 "$C/good.lua"
# Runs of the selection follow one another: a scenario never runs alongside
# another run of itself, whatever --parallel allows.
start=$(date +%s%N)
cli_case repeat-rounds 0 "sleeper: 0 of 2 runs failed" -- "$BIN" run --repeat 2 --parallel 4 "$C/sleeper.lua"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -ge 2000 ]; then pass "cli/repeat-rounds-in-turn"; else fail "cli/repeat-rounds-in-turn" "2 runs of a 1s sleeper took ${ms}ms: they overlapped"; fi

# ---- the status line, on a terminal (script(1) gives the run a pty) ----
# on_tty OUT ENV... — run slow.lua (and good.lua) on a pseudo-terminal with
# ENV; OUT gets every byte the terminal received.
on_tty() {
    local out=$1
    shift
    env -u NO_COLOR "$@" script -qefc "'$BIN' run --parallel 1 --var SLOW=600ms '$C/slow.lua' '$C/good.lua'" "$out" > /dev/null 2>&1
}
has_bytes() { python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(0 if sys.argv[2].encode().decode("unicode_escape").encode("latin-1") in d else 1)' "$@"; }
on_tty "$TT_DIR/tty.out" TERM=xterm
if has_bytes "$TT_DIR/tty.out" '\r\x1b[K\x1b[2m[1/2] \x1b[0mslow one \xe2\x80\xba waits a while 0.' &&
    has_bytes "$TT_DIR/tty.out" '\r\x1b[K\x1b[32mPASS'; then
    pass "cli/progress-tty"
else
    fail "cli/progress-tty" "no status line '[1/2] slow one › waits a while', erased before the PASS line" "$TT_DIR/tty.out"
fi
on_tty "$TT_DIR/tty-plain.out" TERM=xterm NO_COLOR=1
if has_bytes "$TT_DIR/tty-plain.out" '\r\x1b[K[1/2] slow one \xe2\x80\xba waits a while 0.' &&
    ! has_bytes "$TT_DIR/tty-plain.out" '\x1b[2m' && ! has_bytes "$TT_DIR/tty-plain.out" '\x1b[32m'; then
    pass "cli/progress-no-color"
else
    fail "cli/progress-no-color" "NO_COLOR: the status line must stay, plain" "$TT_DIR/tty-plain.out"
fi
env -u NO_COLOR TERM=xterm script -qefc "'$BIN' run --no-color --parallel 1 --var SLOW=600ms '$C/slow.lua'" "$TT_DIR/tty-nc.out" > /dev/null 2>&1
if has_bytes "$TT_DIR/tty-nc.out" '[1/1] slow one' && ! has_bytes "$TT_DIR/tty-nc.out" '\x1b[2m'; then
    pass "cli/progress-no-color-flag"
else
    fail "cli/progress-no-color-flag" "--no-color: the status line must stay, plain" "$TT_DIR/tty-nc.out"
fi
on_tty "$TT_DIR/tty-dumb.out" TERM=dumb
if ! has_bytes "$TT_DIR/tty-dumb.out" '\x1b[K' && ! has_bytes "$TT_DIR/tty-dumb.out" '[1/2]' &&
    grep -q "slow one" "$TT_DIR/tty-dumb.out"; then
    pass "cli/progress-dumb"
else
    fail "cli/progress-dumb" "TERM=dumb: no status line" "$TT_DIR/tty-dumb.out"
fi
"$BIN" run --parallel 1 --var SLOW=300ms "$C/slow.lua" > "$TT_DIR/notty.out" 2>&1
if ! has_bytes "$TT_DIR/notty.out" '\r' && ! grep -q '\[1/1\]' "$TT_DIR/notty.out"; then
    pass "cli/progress-not-a-terminal"
else
    fail "cli/progress-not-a-terminal" "stdout is a file: no status line" "$TT_DIR/notty.out"
fi

# The screen itself (tmux, a private server): while the run goes on, the
# status line says what runs and -v has shown the step that already ended;
# at the end the status line is gone.
TMUX_SOCK=tt-cli-$$
screen() { tmux -L "$TMUX_SOCK" capture-pane -p -t cli; }
tmux -L "$TMUX_SOCK" new-session -d -s cli -x 100 -y 20 \
    "env -u NO_COLOR TERM=xterm '$BIN' run -v --parallel 1 --var SLOW=3s '$C/slow.lua'; echo 'exit:'\$?; sleep 60"
seen=""
for _ in $(seq 1 $((50 * SLOW))); do
    screen > "$TT_DIR/screen.txt" 2> /dev/null
    if grep -q '^\[1/1\] slow one › waits a while [0-9.]*s$' "$TT_DIR/screen.txt"; then seen=1; break; fi
    sleep 0.1
done
if [ -n "$seen" ] && grep -q '^    ✓ first (' "$TT_DIR/screen.txt" && ! grep -q 'PASS' "$TT_DIR/screen.txt"; then
    pass "cli/progress-screen-running"
else
    fail "cli/progress-screen-running" "mid-run, the screen lacks the status line or -v's finished step" "$TT_DIR/screen.txt"
fi
for _ in $(seq 1 $((80 * SLOW))); do
    screen > "$TT_DIR/screen.txt" 2> /dev/null
    grep -q '^exit:' "$TT_DIR/screen.txt" && break
    sleep 0.1
done
if grep -q '^exit:0' "$TT_DIR/screen.txt" && grep -q '^PASS  slow one' "$TT_DIR/screen.txt" &&
    ! grep -q '\[1/1\]' "$TT_DIR/screen.txt"; then
    pass "cli/progress-screen-done"
else
    fail "cli/progress-screen-done" "at the end, the status line must be gone" "$TT_DIR/screen.txt"
fi
tmux -L "$TMUX_SOCK" kill-server 2> /dev/null

# ---- make test: every driver, then one total (tests/all.sh) ----
mkdir -p "$TT_DIR/drivers"
printf 'echo "3 passed, 0 failed"\n' > "$TT_DIR/drivers/good.sh"
printf 'echo "serve: 2 passed, 1 failed"; exit 1\n' > "$TT_DIR/drivers/bad.sh"
printf 'exit 3\n' > "$TT_DIR/drivers/broken.sh"
printf 'echo "ok   a"; echo "ok   b"; echo "fuzz: no crash"\n' > "$TT_DIR/drivers/oks.sh"
cli_case all-total 1 "total: 7 passed, 2 failed" -- bash "$HERE/all.sh" "bash $TT_DIR/drivers/good.sh" "bash $TT_DIR/drivers/bad.sh" \
    "bash $TT_DIR/drivers/broken.sh" "bash $TT_DIR/drivers/oks.sh"
cli_case all-green 0 "total: 4 passed, 0 failed" -- bash "$HERE/all.sh" "bash $TT_DIR/drivers/good.sh" "true"
# make test runs every driver through tests/all.sh, none outside it (read
# from the Makefile: `make -n test` would run its $(MAKE) lines).
sed -n '/^test:/,/^$/p' "$HERE/../Makefile" > "$TT_DIR/make-test.txt"
if grep -q 'tests/all.sh' "$TT_DIR/make-test.txt" && ! grep -E '^\s+bash tests/[a-z]+\.sh' "$TT_DIR/make-test.txt" | grep -qv 'tests/all\.sh'; then
    pass "cli/make-test-total"
else
    fail "cli/make-test-total" "make test must run its drivers through tests/all.sh" "$TT_DIR/make-test.txt"
fi
for d in run.sh serve.sh oneshot.sh demo.sh; do
    cli_case "make-test-runs-$d" 0 "'bash tests/$d " -- cat "$TT_DIR/make-test.txt"
done

# ---- help, the man page and shell completion: one source ----
ROOT=$(cd "$HERE/.." && pwd)
if sh "$ROOT/docs/man.sh" "$BIN" > "$TT_DIR/telltale.1" 2> "$TT_DIR/man.err" && diff -u "$ROOT/docs/telltale.1" "$TT_DIR/telltale.1" > "$TT_DIR/man.diff"; then
    pass "cli/man-page-current"
else
    cat "$TT_DIR/man.err" >> "$TT_DIR/man.diff"
    fail "cli/man-page-current" "docs/telltale.1 differs from the help it is made from: run make man" "$TT_DIR/man.diff"
fi
groff -man -ww -z "$ROOT/docs/telltale.1" > "$TT_DIR/groff.out" 2>&1
if [ -s "$TT_DIR/groff.out" ]; then fail "cli/man-page-groff-clean" "groff -man -ww warns" "$TT_DIR/groff.out"; else pass "cli/man-page-groff-clean"; fi
# Every option of every command's --help is in the page, said the same way.
MANWIDTH=200 man -l "$ROOT/docs/telltale.1" 2> /dev/null | sed 's/^ *//' > "$TT_DIR/man.txt"
missing=""
for cmd in run check list wrap serve; do
    while IFS= read -r line; do
        opt=$(printf '%s\n' "$line" | sed -n 's/^ *\(-[a-z], \)\{0,1\}\(--[a-z-]*\).*/\2/p')
        text=$(printf '%s\n' "$line" | sed -n 's/^ *\(-[a-z], \)\{0,1\}--[a-z-]*\( [A-Z][A-Z=_.]*\)\{0,1\}  *//p' | sed 's/  (run)$//')
        [ -n "$opt" ] || continue
        grep -q -- "^\(-[a-z], \)\{0,1\}$opt\b" "$TT_DIR/man.txt" || missing="$missing $cmd:$opt"
        [ -n "$text" ] && ! grep -qF -- "$text" "$TT_DIR/man.txt" && missing="$missing $cmd:$opt(text)"
    done < <("$BIN" "$cmd" --help | grep -E '^ +-')
done
if [ -z "$missing" ]; then pass "cli/man-page-has-every-option"; else fail "cli/man-page-has-every-option" "not in the man page:$missing"; fi
cli_case man-page-exit-status 0 "130/143 interrupted by SIGINT/SIGTERM" -- cat "$TT_DIR/man.txt"
cli_case man-page-failure-kinds 0 "a side effect was not observed before the deadline" -- cat "$TT_DIR/man.txt"

# bash: source the completion, set COMP_WORDS/COMP_CWORD, read COMPREPLY.
complete_bash() { # WORD... — the words typed, the last one being completed
    (cd "$C" && bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _telltale; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$ROOT/docs/completion/telltale.bash" "$@")
}
bash_completes() { # NAME 'EXPECTED (one line per candidate)' WORD...
    local name=$1 want=$2 got
    shift 2
    got=$(complete_bash "$@" | sort)
    if [ "$got" = "$(printf '%s\n' "$want" | sort)" ]; then pass "cli/bash-complete-$name"; else
        printf 'typed: %s\nexpected:\n%s\ngot:\n%s\n' "$*" "$want" "$got" > "$TT_DIR/complete.out"
        fail "cli/bash-complete-$name" "wrong candidates" "$TT_DIR/complete.out"
    fi
}
bash_completes commands "$(printf 'run\ncheck\nlist\nwrap\nserve\nversion\nhelp')" "$BIN" ""
bash_completes command-prefix "check" "$BIN" ch
bash_completes run-option "--repeat" "$BIN" run --rep
# check's own options (its --help's), not run's.
want=$("$BIN" check --help | sed -n 's/^ *\(-[a-z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p')
bash_completes check-options "$want" "$BIN" check --
if complete_bash "$BIN" check -- | grep -qx -- '--junit' || ! complete_bash "$BIN" check -- | grep -qx -- '--tag'; then
    fail "cli/bash-complete-check-not-run" "check -- offers --junit, or not --tag"
else
    pass "cli/bash-complete-check-not-run"
fi
bash_completes scenario-files "good.lua" "$BIN" run go
bash_completes scenario-files-only-lua "$(printf 'vars.lua')" "$BIN" run vars
bash_completes option-file "$(printf 'vars.env\nvars.lua')" "$BIN" run --vars-file vars
bash_completes option-no-value "" "$BIN" run --parallel ""
bash_completes wrap-option "--timeout" "$BIN" wrap job --time
bash_completes serve-option "--listen" "$BIN" serve --li

# zsh: a real interactive zsh on a pseudo-terminal, a TAB typed.
if command -v zsh > /dev/null; then
    mkdir -p "$TT_DIR/zbin" && ln -sf "$BIN" "$TT_DIR/zbin/telltale"
    zsh_completes() { # NAME 'TYPED' 'SHOWN'
        (cd "$C" && timeout 20 zsh "$C/complete.zsh" "$ROOT/docs/completion" "$TT_DIR/zbin" "$2") > "$TT_DIR/zsh.out" 2>&1
        if tr -d '\r' < "$TT_DIR/zsh.out" | grep -qF -- "$3"; then pass "cli/zsh-complete-$1"; else fail "cli/zsh-complete-$1" "TAB after '$2' did not give '$3'" "$TT_DIR/zsh.out"; fi
    }
    zsh_completes command "telltale ch" "telltale check "
    zsh_completes run-option "telltale run --rep" "telltale run --repeat "
    zsh_completes scenario-file "telltale run go" "telltale run good.lua "
else
    fail "cli/zsh-complete" "zsh is not installed (make deps)"
fi

# ---- the LuaLS definitions and the README declare the same functions ----
cli_case definitions-match-readme 0 "functions, the same in both" -- python3 "$C/check_definitions.py" "$ROOT/README.md" "$ROOT/docs/telltale.lua"
cli_case definitions-meta 0 "---@meta" -- head -n 1 "$ROOT/docs/telltale.lua"
# Valid Lua: it loads and runs (it declares nothing to run, which check says).
cli_case definitions-load 2 "declares no steps" -- "$BIN" check "$ROOT/docs/telltale.lua"
# The checker catches drift both ways.
sed 's/^function DbHandle:fresh(/function DbHandle:freshness(/' "$ROOT/docs/telltale.lua" > "$TT_DIR/drift.lua"
cli_case definitions-drift 1 "h:fresh (DbHandle:fresh) has a syntax line but is not declared" -- python3 "$C/check_definitions.py" "$ROOT/README.md" "$TT_DIR/drift.lua"
cli_case definitions-drift-back 1 "DbHandle:freshness is declared but no **syntax:** line" -- python3 "$C/check_definitions.py" "$ROOT/README.md" "$TT_DIR/drift.lua"

# ---- the README a newcomer reads ----
# Every link of its table of contents leads to a heading (GitHub's anchors).
python3 - "$ROOT/README.md" > "$TT_DIR/toc.out" 2>&1 <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
body = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
anchors = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#+ (.*)$", body, re.M)}
toc = text[text.index("## Contents"):text.index("\n## ", text.index("## Contents") + 3)]
links = re.findall(r"\]\(#([^)]+)\)", toc)
bad = [l for l in links if l not in anchors]
print("\n".join("no heading for #" + l for l in bad) if bad else "%d links" % len(links))
sys.exit(1 if bad or not links else 0)
PY
if [ $? = 0 ]; then pass "cli/readme-contents"; else fail "cli/readme-contents" "a table-of-contents link leads nowhere" "$TT_DIR/toc.out"; fi
# The Install section names every build dependency of the Makefile.
sed -n '/^## Install$/,/^## /p' "$ROOT/README.md" > "$TT_DIR/install.md"
missing=""
for p in $(sed -n 's/^DEPS_BUILD := //p' "$ROOT/Makefile"); do grep -qw -- "$p" "$TT_DIR/install.md" || missing="$missing $p"; done
if [ -z "$missing" ]; then pass "cli/readme-install-deps"; else fail "cli/readme-install-deps" "README's Install lacks DEPS_BUILD packages:$missing"; fi
# Writing scenarios comes right after the Quick start.
cli_case readme-order 0 "Quick start|Writing scenarios" -- bash -c "grep '^## ' '$ROOT/README.md' | sed 's/^## //' | paste -sd'|'"
