-- SIGTERM mid-step: the page operation is aborted, the teardown runs, and
-- Chromium goes with the run (its process group killed and reaped: the
-- run ends at once, nothing left holding the case's directory).
-- test: args --var BASE=$TT_HTTP
-- test: env TMPDIR=$TT_DIR
-- test: signal TERM 4
-- test: exit 143
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "aborted"
-- test: json r["scenarios"][0]["teardown"][0]["logs"] == ["teardown ran"]
-- test: within 10
step("waiting in the page", { timeout = "60s" }, function()
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser.html")
  page:wait_for{ selector = "#never" }
end)

teardown(function()
  log("teardown ran")
end)
