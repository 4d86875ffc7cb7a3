-- Superfluous positional arguments are errors, not silently dropped:
-- db.connect(dsn, opts) takes its options (like http.get(url, opts)), and a
-- third argument anywhere is a mistake.
-- test: args --var "DSN=$TT_PG_DSN" --var "WRITE_DSN=$TT_PG_WRITE_DSN" --var BASE=$TT_HTTP
-- test: exit 0
local function raises(text, f, ...)
  local ok, err = pcall(f, ...)
  expect(ok, text):falsy()
  expect(tostring(err)):contains(text)
end

step("db.connect(dsn, opts) honours its options", function()
  local h = db.connect(vars.WRITE_DSN, { write = true, pool = 2 })
  local rows = h:exec("SELECT 1")
  expect(rows.affected):eq(1)
  raises("h:exec writes, so it needs a handle opened with { write = true }", db.connect(vars.DSN).exec,
    db.connect(vars.DSN), "SELECT 1")
  raises("give the dsn once", db.connect, vars.DSN, { dsn = vars.DSN })
end)

step("extra arguments are errors", function()
  raises("db.connect takes at most 2 arguments, got 3", db.connect, vars.DSN, {}, {})
  raises("http.get takes at most 2 arguments, got 3", http.get, vars.BASE .. "/", {}, {})
  raises("net.tcp takes at most 1 argument, got 2", net.tcp, { host = "127.0.0.1", port = 1 }, {})
  raises("fs.fresh takes at most 2 arguments, got 3", fs.fresh, "/tmp", "1h", "x")
  raises("eventually takes at most 2 arguments, got 3", eventually, function() return true end, {}, {})
  raises("expect takes at most 2 arguments, got 3", expect, 1, "label", "x")
  raises("mail.address takes at most 1 argument, got 2", mail.address, "a@example.test", "x")
end)
