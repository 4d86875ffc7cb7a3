-- A NUL byte inside a text parameter raises (kind script) instead of being
-- sent cut short: libpq takes parameters as C strings, so "ab\0cd" would
-- have been compared as "ab".
-- test: args --var "DSN=$TT_PG_DSN"
-- test: exit 1
-- test: stdout-has query parameter $2 contains a NUL byte (at offset 2): PostgreSQL text cannot hold one
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "script"
-- test: json r["scenarios"][0]["steps"][0]["failure"]["where"].endswith("152-db-nul-param.lua:12")
step("NUL in a parameter", function()
  local h = db.connect(vars.DSN)
  expect(h:value("SELECT $1::text", "plain")):eq("plain")
  h:query("SELECT $1::int AS n, $2::text AS s", 1, "ab\0cd")
end)
