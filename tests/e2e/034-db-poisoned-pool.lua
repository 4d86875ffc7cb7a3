-- A failed query leaves its transaction aborted; the connection is rolled
-- back before anyone uses it again (a pool of one: the same connection).
-- test: args --var "DSN=$TT_PG_DSN"
-- test: exit 0
-- test: json r["scenarios"][0]["steps"][0]["logs"][0].startswith("[script] division by zero")
step("break it, then use the same connection", function()
  local h = db.connect{ dsn = vars.DSN, pool = 1 }
  local ok, err = pcall(h.query, h, "SELECT 1 / 0")
  expect(ok):falsy()
  log(tostring(err))
  expect(err.detail):contains("SQLSTATE 22012")
  for _ = 1, 3 do
    expect(h:value("SELECT 1")):eq(1)
  end
  expect(h:connections()):eq(1)
  -- and nothing is left open on the server side
  expect(h:value("SELECT count(*) FROM pg_stat_activity WHERE usename = 'canary' AND state = 'idle in transaction (aborted)'")):eq(0)
end)
