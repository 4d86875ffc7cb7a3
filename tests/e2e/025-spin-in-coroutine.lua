-- An endless loop inside a coroutine the scenario made is stopped at the
-- deadline too, and never turns into a pass.
-- test: exit 1
-- test: stdout-has [timeout] step did not finish within 300ms
-- test: within 3
step("spin in a coroutine", { timeout = "300ms" }, function()
  coroutine.wrap(function() while true do end end)()
end)
