scenario { tags = { "slow" } }
step("sleep", function() sleep("1s") end)
