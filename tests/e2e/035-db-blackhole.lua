-- A database host that accepts TCP and never answers: timeout, inside the
-- step deadline, naming the phase.
-- test: args --var PORT=$TT_BLACKHOLE_PORT
-- test: exit 1
-- test: stdout-has [timeout] step did not finish within 1s (its timeout) while connecting to database 127.0.0.1:
-- test: within 3
step("connect", { timeout = "1s" }, function()
  db.connect("host=127.0.0.1 port=" .. vars.PORT .. " dbname=app user=canary"):query("SELECT 1")
end)
