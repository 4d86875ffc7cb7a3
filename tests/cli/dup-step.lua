step("same", function() end)
step("same", function() end)
