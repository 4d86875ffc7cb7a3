-- A host name in the DSN is looked up off the loop thread (libpq would do
-- it inside PQconnectStart and stall every scenario); every address it
-- has is tried in turn, as libpq would: "localhost" may come back as ::1
-- first, where nothing listens, then 127.0.0.1.
-- test: args --var PG_PORT=$TT_PG_PORT
-- test: exit 0
-- test: within 5
step("by name", function()
  local h = db.connect("host=localhost port=" .. vars.PG_PORT ..
    " dbname=app user=canary password=canary-s3cr3t-pa55 connect_timeout=5")
  expect(h:value("SELECT 1")):eq(1)
end)
