-- Sleeps longer than its interval (overlap), and records its teardown (a
-- POST to the test's receiver: scenarios cannot write files), so a SIGTERM
-- to serve can be seen to run it.
scenario { name = "slow" }

step("sleep", { timeout = "60s" }, function()
  sleep(vars_get("SLEEP", 30))
end)

teardown(function()
  http.post(vars.TEARDOWN_URL, { body = "teardown ran" })
end)
