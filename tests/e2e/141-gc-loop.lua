-- An endless loop in a __gc metamethod: the hook does not run there, so the
-- watchdog ends the run 2 s past the deadline with valid reports, the step
-- failed `timeout` saying it would not stop (it hung for ever, SIGTERM
-- ignored, no report).
-- test: exit 1
-- test: stdout-has would not stop
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "timeout"
-- test: json "would not stop" in r["scenarios"][0]["steps"][1]["failure"]["message"]
-- test: json r["scenarios"][0]["steps"][2]["status"] == "skipped"
-- test: json r["scenarios"][0]["status"] == "failed"
-- test: within 5
step("before", function() end)

step("spin in __gc", { timeout = "500ms" }, function()
  setmetatable({}, { __gc = function() while true do end end })
  collectgarbage()
end)

step("after", function() end)
