-- A query given fewer parameters than it has placeholders is the check's
-- own bug: the server's 08P01 (protocol violation, from the bind) is kind
-- script, not network, and the pool still serves.
-- test: args --var "DSN=$TT_PG_DSN"
-- test: exit 1
-- test: stdout-has [script] bind message supplies 1 parameters, but prepared statement "" requires 2
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "script"
-- test: json "SQLSTATE 08P01" in r["scenarios"][0]["steps"][1]["failure"]["detail"]
step("caught, and the pool still serves", function()
  local h = db.connect(vars.DSN)
  local ok, err = pcall(h.query, h, "SELECT $1::int AS n")
  expect(ok):falsy()
  expect(err.kind):eq("script")
  expect(h:value("SELECT 7")):eq(7)
end)

step("missing parameter", function()
  db.connect(vars.DSN):query("SELECT $1::int + $2::int AS n", 1)
end)
