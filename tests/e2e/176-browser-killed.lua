-- Chromium killed mid-step (only this run's: its profile is under the
-- case's TMPDIR): the step fails with kind network, and the teardown gets
-- a fresh browser.
-- test: args -v --var BASE=$TT_HTTP
-- test: env TMPDIR=$TT_DIR
-- test: background sleep 4; pkill -KILL -f "user-data-dir=$TT_DIR/telltale-chromium-"
-- test: exit 1
-- test: stdout-has [network] the browser exited
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "network"
-- test: json r["scenarios"][0]["teardown"][0]["status"] == "passed" and r["scenarios"][0]["teardown"][0]["logs"] == ["fresh browser: Sign up"]
-- test: within 40
step("wait forever", { timeout = "20s" }, function()
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser.html")
  page:wait_for{ selector = "#never" }
end)

teardown(function()
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser.html")
  log("fresh browser: " .. page:text("#title"))
end)
