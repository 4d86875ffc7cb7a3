-- h:fresh(sql, params, max_age) takes query parameters, like h:wait.
-- test: args --var "DSN=$TT_PG_DSN"
-- test: exit 0
step("fresh with params", function()
  local h = db.connect(vars.DSN)
  local age = h:fresh("SELECT now() - make_interval(secs => $1)", { 2 }, "1h")
  expect(age):ge(1900)
  expect(h:fresh("SELECT now()", "1h")):lt(1000) -- the two-argument form still works
  local ok, err = pcall(h.fresh, h, "SELECT now() - make_interval(days => $1)", { 8 }, "1h")
  expect(ok):falsy()
  expect(err.kind):eq("missing")
  expect(err.message):contains("newest row is 8 days old")
end)
