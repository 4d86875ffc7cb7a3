-- Every buffer the network fills has a cap: rows arrive one at a time, and
-- a result larger than --max-body fails the step (kind script: the query
-- asks for too much) as soon as it passes the cap, instead of filling
-- memory.  Its connection is closed; the pool opens a fresh one.
-- test: args --max-body 10000 --var "DSN=$TT_PG_DSN"
-- test: exit 1
-- test: stdout-has [script] the result of "SELECT repeat('x', 100) FROM generate_series(1, 100000)" passed the 10000-byte cap after 88 rows
-- test: json [s["status"] for s in r["scenarios"][0]["steps"]] == ["passed", "failed"]
-- test: within 10
step("under the cap, and an empty result keeps its columns", function()
  local h = db.connect(vars.DSN)
  local rows = h:query("SELECT n, repeat('x', 10) AS s FROM generate_series(1, 50) AS n")
  expect(#rows):eq(50)
  expect(rows[50].n):eq(50)
  local none = h:query("SELECT 1 AS a, 2 AS b WHERE false")
  expect(#none):eq(0)
  expect(none.columns):eq({ "a", "b" })
  -- Over the cap, then the pool still serves.
  local ok, err = pcall(h.query, h, "SELECT repeat('x', 100) FROM generate_series(1, 100000)")
  expect(ok):falsy()
  expect(err.kind):eq("script")
  expect(h:value("SELECT 7")):eq(7)
end)

step("over the cap", function()
  db.connect(vars.DSN):query("SELECT repeat('x', 100) FROM generate_series(1, 100000)")
end)
