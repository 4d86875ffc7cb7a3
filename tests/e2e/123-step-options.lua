-- step, scenario and teardown check their options with the same words.
-- test: exit 2
-- test: stdout-has unknown step option 'retry' (expected: timeout, retries, retry_delay)
step("ok", function() end)
step("typo", { retry = 2 }, function() end)
