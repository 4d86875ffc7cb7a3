-- h:fresh: a report refreshed just now passes; one 8 days old fails with
-- its age; a NULL timestamp fails too.
-- test: args --var "DSN=$TT_PG_DSN"
-- test: exit 1
-- test: stdout-has [missing] newest row is 8 days old, allowed 1h00m
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "missing"
step("fresh report", function()
  local h = db.connect(vars.DSN)
  local age = h:fresh("SELECT refreshed_at FROM reports WHERE name = 'fresh'", "1h")
  expect(age):lt(3600 * 1000)
  local ok, err = pcall(h.fresh, h, "SELECT refreshed_at FROM reports WHERE name = 'never'", "1h")
  expect(ok):falsy()
  expect(err.message):eq("no timestamp: the query returned NULL")
end)

step("stale report", function()
  db.connect(vars.DSN):fresh("SELECT refreshed_at FROM reports WHERE name = 'stale'", "1h")
end)
