step("bad", { timeout = "5x" }, function() end)
