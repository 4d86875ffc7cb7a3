-- A Chromium that stops answering (SIGSTOP: alive, silent) fails the step
-- with kind network once its probe goes unanswered for 10s; it is killed,
-- and the teardown gets a fresh one.
-- test: args -v --var BASE=$TT_HTTP
-- test: env TMPDIR=$TT_DIR
-- test: background sleep 4; pkill -STOP -f "user-data-dir=$TT_DIR/telltale-chromium-"
-- test: exit 1
-- test: stdout-has [network] the browser did not answer for 10s
-- test: json r["scenarios"][0]["teardown"][0]["logs"] == ["fresh browser: Sign up"]
-- test: within 50
step("wait", { timeout = "40s" }, function()
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser.html")
  page:wait_for{ selector = "#never" }
end)

teardown(function()
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser.html")
  log("fresh browser: " .. page:text("#title"))
end)
