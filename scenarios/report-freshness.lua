-- A nightly job that dies quietly leaves its report stale: check the
-- newest refresh is recent, measured by the database's own clock.
scenario { name = "report freshness", tags = { "data" } }

step("report refreshed within a day", function()
  local h = db.connect(vars.DB_DSN)
  local age = h:fresh("SELECT refreshed_at FROM reports WHERE name = 'fresh'", "1d")
  log("report age:", math.floor(age / 1000), "s")
end)

step("the same through pgbouncer", function()
  local h = db.connect(vars.DB_POOLED_DSN)
  expect(h:value("SELECT count(*) FROM reports")):ge(1)
end)
