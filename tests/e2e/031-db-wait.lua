-- h:wait finds a row another connection inserts a moment later.
-- test: args --var "DSN=$TT_PG_DSN"
-- test: background sleep 1; psql_app -qc "INSERT INTO users (email, confirmed_at) VALUES ('late@example.test', now())"
-- test: exit 0
-- test: json r["scenarios"][0]["steps"][0]["duration_ms"] >= 500
step("wait for the row", { timeout = "10s" }, function()
  local h = db.connect(vars.DSN)
  local row = h:wait("SELECT email, confirmed_at FROM users WHERE email = $1", { "late@example.test" },
    function(r) return r.confirmed_at ~= db.null end)
  expect(row.email):eq("late@example.test")
end)
