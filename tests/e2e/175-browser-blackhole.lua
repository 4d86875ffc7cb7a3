-- A page load into a black hole ends at the step's deadline, kind
-- timeout, naming the page it was loading.
-- test: args --var PORT=$TT_BLACKHOLE_PORT
-- test: exit 1
-- test: stdout-has [timeout] step did not finish within 3s (its timeout) while loading http://127.0.0.1:
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "timeout"
-- test: json r["scenarios"][0]["steps"][0]["duration_ms"] < 3500
-- test: within 20
step("black hole", { timeout = "3s" }, function()
  local page = browser.page{}
  page:visit("http://127.0.0.1:" .. vars.PORT .. "/")
end)
