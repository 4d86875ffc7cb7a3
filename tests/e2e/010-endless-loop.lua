-- A Lua loop that never yields is stopped at the deadline, even when it
-- hides inside pcall (here in a teardown, which runs after the failure).
-- test: exit 1
-- test: stdout-has [timeout] step did not finish within 300ms (its timeout) while running Lua code at
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "timeout"
-- test: json r["scenarios"][0]["teardown"][0]["failure"]["kind"] == "timeout"
-- test: within 3
step("spin", { timeout = "300ms" }, function()
  while true do end
end)

teardown({ timeout = "300ms", name = "spin under pcall" }, function()
  while true do
    pcall(function() while true do end end)
  end
end)
