-- An endless loop under pcall inside a coroutine the scenario made: the
-- hook raises there (it cannot yield the step), and the guarded pcall
-- re-raises past the deadline, so the catch-all loop ends (it hung for ever).
-- test: exit 1
-- test: stdout-has [timeout] step did not finish within 300ms
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "timeout"
-- test: within 3
step("catch-all loop in a coroutine", { timeout = "300ms" }, function()
  coroutine.wrap(function()
    while true do
      pcall(function() while true do end end)
    end
  end)()
end)
