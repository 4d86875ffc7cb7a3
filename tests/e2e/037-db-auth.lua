-- A wrong password: kind network, authentication, the password redacted.
-- test: args --var PORT=$TT_PG_PORT
-- test: exit 1
-- test: stdout-has [network] cannot connect to database 127.0.0.1:
-- test: stdout-has authentication failed
-- test: stdout-lacks wrong-pa55word
-- test: json r["scenarios"][0]["steps"][0]["failure"]["phase"] == "authentication"
step("log in", function()
  db.connect{ host = "127.0.0.1", port = vars.PORT, dbname = "app", user = "canary", password = "wrong-pa55word" }
    :query("SELECT 1")
end)
