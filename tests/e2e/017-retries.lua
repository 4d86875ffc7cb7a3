-- retries: a step that fails twice, then passes, passes with 3 attempts.
-- test: exit 0
-- test: json r["scenarios"][0]["steps"][0]["attempts"] == 3
-- test: json r["scenarios"][0]["steps"][0]["logs"][0].startswith("attempt 1 failed: [assertion]")
local tries = 0
step("flaky", { retries = 2 }, function()
  tries = tries + 1
  expect(tries):ge(3)
end)
