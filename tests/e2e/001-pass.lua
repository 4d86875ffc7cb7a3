-- A passing scenario: a request, checks on status, headers, body and timings.
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
-- test: stdout-has PASS
-- test: json r["scenarios"][0]["status"] == "passed" and r["scenarios"][0]["steps"][0]["attempts"] == 1
-- test: json r["scenarios"][0]["name"] == "homepage"
scenario { name = "homepage", tags = { "smoke" } }

step("GET /ok", function(ctx)
  local resp = http.get(vars.BASE .. "/ok")
  expect(resp.status):eq(200)
  expect(resp.body):contains("hello from nginx")
  expect(resp.headers["Content-Type"]):match("^text/plain")
  expect(resp.timings.total):gt(0)
  ctx.seen = resp.status
end)

step("ctx is shared", function(ctx)
  expect(ctx.seen):eq(200)
end)
