-- The database benchmark's scenario: 20 checked queries on a pool of 4;
-- run as 100 scenarios at once.
step("queries", { timeout = "5m" }, function()
  local h = db.connect{ dsn = vars.DSN, pool = 4 }
  for _ = 1, 20 do
    expect(h:one("SELECT $1::int AS v, label FROM types", 42).v):eq(42)
  end
end)
