-- SIGTERM while a long teardown runs: --grace bounds it, so the process
-- ends before a supervisor would SIGKILL it, with the reports written.
-- test: args --grace 1s
-- test: signal TERM 0.5
-- test: exit 143
-- test: json r["scenarios"][0]["teardown"][0]["failure"]["kind"] == "timeout"
-- test: json "grace period" in r["scenarios"][0]["teardown"][0]["failure"]["message"]
-- test: within 3
step("quick", function() end)

teardown({ timeout = "20s" }, function()
  sleep(20)
end)
