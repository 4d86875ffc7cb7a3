-- h:wait on a broken query fails at once with kind script and the SQLSTATE,
-- instead of waiting out the deadline and calling it missing.
-- test: args --var "DSN=$TT_PG_DSN"
-- test: exit 1
-- test: stdout-has [script] column "nope" does not exist
-- test: json "SQLSTATE 42703" in r["scenarios"][0]["steps"][0]["failure"]["detail"]
-- test: json r["scenarios"][0]["steps"][0]["duration_ms"] < 1000
step("broken wait", { timeout = "5s" }, function()
  db.connect(vars.DSN):wait("SELECT nope FROM users WHERE email = $1", { "x@example.test" })
end)
