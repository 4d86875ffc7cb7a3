-- A DSN listing several hosts: the first refuses, the second answers.
-- test: args --var PG_PORT=$TT_PG_PORT --var CLOSED=$TT_CLOSED_PORT
-- test: exit 0
-- test: within 3
step("second host", function()
  local h = db.connect("host=127.0.0.1,127.0.0.1 port=" .. vars.CLOSED .. "," .. vars.PG_PORT ..
    " dbname=app user=canary password=canary-s3cr3t-pa55 connect_timeout=5")
  expect(h:value("SELECT 1")):eq(1)
end)
