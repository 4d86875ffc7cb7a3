-- --trace shows each statement, its parameters and its duration, and never
-- the DSN's password.
-- test: args --var "DSN=$TT_PG_DSN" --trace
-- test: exit 0
-- test: stderr-has SQL
-- test: stderr-has SELECT $1::int + 1 [$1=41]
-- test: stderr-lacks canary-s3cr3t-pa55
step("traced", function()
  expect(db.connect(vars.DSN):value("SELECT $1::int + 1", 41)):eq(42)
end)
