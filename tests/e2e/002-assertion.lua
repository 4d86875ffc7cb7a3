-- A failed expectation: kind assertion, expected vs actual, file:line.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [assertion] status: expected 201, got 200
-- test: stdout-has 002-assertion.lua:11
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "assertion"
-- test: json r["scenarios"][0]["steps"][1]["status"] == "skipped"
-- test: junit-has type="assertion"
step("create", function()
  local resp = http.get(vars.BASE .. "/ok")
  expect(resp.status, "status"):eq(201)
end)

step("never runs", function() end)
