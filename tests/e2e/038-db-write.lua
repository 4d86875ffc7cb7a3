-- Reads run READ ONLY; h:exec needs { write = true }; teardown cleans up.
-- test: args --var "DSN=$TT_PG_DSN" --var "WRITE_DSN=$TT_PG_WRITE_DSN"
-- test: exit 0
step("exec refused without opt-in", function()
  local h = db.connect(vars.DSN)
  local ok, err = pcall(h.exec, h, "DELETE FROM users")
  expect(ok):falsy()
  expect(tostring(err)):contains("h:exec writes, so it needs a handle opened with { write = true }")
  ok, err = pcall(h.query, h, "INSERT INTO reports VALUES ('x', now())")
  expect(ok):falsy()
  expect(err.message):contains("read-only transaction")
end)

step("write with opt-in", function(ctx)
  local w = db.connect{ dsn = vars.WRITE_DSN, write = true }
  ctx.email = unique("w") .. "@example.test"
  local rows = w:exec("INSERT INTO users (email) VALUES ($1) RETURNING id", ctx.email)
  expect(rows.affected):eq(1)
  expect(math.type(rows[1].id)):eq("integer")
end)

teardown(function(ctx)
  local w = db.connect{ dsn = vars.WRITE_DSN, write = true }
  expect(w:exec("DELETE FROM users WHERE email = $1", ctx.email).affected):eq(1)
end)
