-- A step killed at its deadline runs its to-be-closed handlers, but they
-- cannot start new waits (that would wake a later step): a clear error,
-- and the teardown after it runs its full time undisturbed.
-- test: exit 1
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "timeout"
-- test: json r["scenarios"][0]["teardown"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["teardown"][0]["duration_ms"] >= 290
-- test: within 4
step("killed with a closing handler", { timeout = "300ms" }, function()
  local guard <close> = setmetatable({}, { __close = function() sleep(0.2) end })
  sleep(5)
end)

teardown(function()
  sleep(0.3)
end)
