-- An endless loop in an xpcall message handler is stopped at the deadline:
-- past it the hook fires on every instruction, and the guarded xpcall
-- re-raises what it caught (it hung for ever before).
-- test: exit 1
-- test: stdout-has [timeout] step did not finish within 300ms (its timeout) while running Lua code at
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "timeout"
-- test: json r["scenarios"][0]["teardown"][0]["status"] == "passed"
-- test: within 3
step("spin in a message handler", { timeout = "300ms" }, function()
  while true do
    xpcall(function() error("boom") end, function() while true do end end)
  end
end)

teardown(function() log("teardown ran") end)
