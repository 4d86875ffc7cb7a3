-- Engine waits cannot hide in a coroutine the scenario made: a clear error.
-- test: exit 1
-- test: stdout-has cannot run inside a coroutine the scenario created
step("wrapped", function()
  local co = coroutine.wrap(function() sleep(0.01) end)
  co()
end)
