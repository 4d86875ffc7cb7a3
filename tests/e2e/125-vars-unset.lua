-- A step reading a var nobody passed says so, instead of failing later on
-- a nil; vars_get reads an optional one.
-- test: args --var GIVEN=yes
-- test: exit 1
-- test: stdout-has vars.BASE_URL is not set (pass --var BASE_URL=... or --vars-file)
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "script"
step("optional vars", function()
  expect(vars.GIVEN):eq("yes")
  expect(vars_get("GIVEN", "no")):eq("yes")
  expect(vars_get("MISSING", "default")):eq("default")
  expect(vars_get("MISSING")):eq(nil)
  expect(rawget(vars, "MISSING")):eq(nil)
end)
step("required var", function()
  http.get(vars.BASE_URL .. "/health")
end)
