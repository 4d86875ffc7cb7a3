-- Passes, but only after a retry: WARNING for Nagios.
scenario { name = "flaky" }
local tries = 0
step("second time lucky", { retries = 1, retry_delay = "10ms" }, function()
  tries = tries + 1
  expect(tries):ge(2)
end)
