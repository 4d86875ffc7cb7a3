-- A scenario's Lua memory is capped (default 256 MB): past it the step
-- fails with kind script saying so, even when a pcall tried to catch it,
-- and the teardown still runs (("x"):rep(1e9) took 1 GB before).
-- test: exit 1
-- test: stdout-has [script] scenario used more than 256 MB of memory
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "script"
-- test: json r["scenarios"][0]["steps"][0]["failure"]["where"].endswith("148-memory-cap.lua:14")
-- test: json r["scenarios"][0]["steps"][0]["logs"] == []
-- test: json r["scenarios"][0]["steps"][1]["status"] == "skipped"
-- test: json r["scenarios"][0]["teardown"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["teardown"][0]["logs"] == ["1000000"]
-- test: within 10
step("a gigabyte, under pcall", function()
  local ok, err = pcall(string.rep, "x", 1e9)
  log("caught", ok, err)
end)

step("never runs", function() end)

teardown(function()
  -- The refused gigabyte was never allocated: memory is there again.
  log(#("x"):rep(1e6))
end)
