-- Sleeps longer than its interval (overlap), and records its teardown, so
-- a SIGTERM to serve can be seen to run it.
scenario { name = "slow" }

step("sleep", { timeout = "60s" }, function()
  sleep(vars_get("SLEEP", 30))
end)

teardown(function()
  local f = io.open(vars.TEARDOWN_FILE, "a")
  if f then f:write("teardown ran\n"); f:close() end
end)
