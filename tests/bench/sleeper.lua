-- The concurrency benchmark's scenario, run 1,000 times at once.
step("wait", { timeout = "1m" }, function()
  sleep(vars_get("SLEEP", "10s"))
end)
