-- Long enough to be seen on the status line; its first step ends early.
scenario { name = "slow one" }
step("first", function() sleep("100ms") end)
step("waits a while", function() sleep(vars_get("SLOW", "2s")) end)
