scenario { name = "good one", tags = { "smoke", "api" } }
step("first", { timeout = "2s", retries = 1 }, function() end)
step("second", function() end)
teardown(function() end)
