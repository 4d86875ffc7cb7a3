step("typo", { timout = "5s" }, function() end)
