-- os.exit in a step fails the step (kind script) instead of ending the
-- process with exit 0, no report and no teardown.
-- test: exit 1
-- test: stdout-has [script] os.exit is not available in scenarios
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "script"
-- test: json r["scenarios"][0]["teardown"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["teardown"][0]["logs"] == ["teardown ran"]
step("exit", function()
  os.exit(0)
end)

teardown(function() log("teardown ran") end)
