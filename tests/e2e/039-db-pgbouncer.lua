-- The same checks through pgbouncer in transaction pooling mode.
-- test: args --var "DSN=$TT_PGB_DSN"
-- test: exit 0
step("through pgbouncer", function()
  local h = db.connect(vars.DSN)
  expect(h:value("SELECT $1::int * 2", 21)):eq(42)
  expect(h:one("SELECT * FROM types").tags):eq({ "x", "y z", db.null })
  local ok = pcall(h.query, h, "SELECT 1 / 0")
  expect(ok):falsy()
  for _ = 1, 5 do expect(h:value("SELECT 1")):eq(1) end
  expect(h:fresh("SELECT refreshed_at FROM reports WHERE name = 'fresh'", "1h")):lt(3600000)
end)
