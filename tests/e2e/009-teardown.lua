-- Teardowns run after a failure, in reverse order, each logged; a failing
-- teardown is reported but never masks the step failure that came first.
-- test: exit 1
-- test: json r["scenarios"][0]["failure"]["kind"] == "assertion"
-- test: json [t["name"] for t in r["scenarios"][0]["teardown"]] == ["second", "first"]
-- test: json r["scenarios"][0]["teardown"][0]["status"] == "failed" and r["scenarios"][0]["teardown"][1]["status"] == "passed"
-- test: json r["scenarios"][0]["teardown"][1]["logs"] == ["cleaned user 7"]
-- test: stdout-has teardown: second
teardown({ name = "first" }, function(ctx)
  log("cleaned user", ctx.user)
end)

teardown({ name = "second" }, function()
  error("teardown broke")
end)

step("make user", function(ctx)
  ctx.user = 7
  fail("signup did not work")
end)
