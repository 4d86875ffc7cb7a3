-- Fails on every even run of --repeat: the summary must count it.
scenario { name = "flaky" }
step("first", function() end)
step("maybe", function()
  if run.repeat_index % 2 == 0 then fail("even run " .. run.repeat_index) end
end)
