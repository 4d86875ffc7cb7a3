-- A Lua error inside a step: kind script, with the line and a traceback.
-- test: exit 1
-- test: stdout-has [script]
-- test: stdout-has attempt to index a nil value
-- test: json r["scenarios"][0]["steps"][0]["failure"]["where"].endswith("008-runtime-error.lua:9")
-- test: json "traceback" in r["scenarios"][0]["steps"][0]["failure"]["detail"]
step("nil index", function()
  local user = nil
  return user.name
end)
