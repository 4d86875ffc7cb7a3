-- SIGTERM mid-run: the step is aborted, teardowns still run, the reports
-- are written with what finished, and the exit code is 143.
-- test: signal TERM 1
-- test: exit 143
-- test: stderr-has SIGTERM received
-- test: json r["interrupted_by"] == "SIGTERM"
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "aborted"
-- test: json r["scenarios"][0]["teardown"][0]["status"] == "passed" and r["scenarios"][0]["teardown"][0]["logs"] == ["cleanup ran"]
-- test: junit-has type="aborted"
-- test: within 5
step("quick", function() end)

step("long wait", { timeout = "60s" }, function()
  sleep("30s")
end)

teardown(function()
  sleep("100ms")
  log("cleanup ran")
end)
