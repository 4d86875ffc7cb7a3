-- A host that does not resolve fails at once with kind network, not at the
-- deadline with timeout.
-- test: exit 1
-- test: stdout-has [network] cannot connect to database no-such-host.invalid:5432
-- test: within 3
step("connect", { timeout = "10s" }, function()
  db.connect("host=no-such-host.invalid dbname=app user=canary"):query("SELECT 1")
end)
