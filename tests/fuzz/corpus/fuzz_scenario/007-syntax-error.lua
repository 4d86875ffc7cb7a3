-- A scenario that cannot load: exit 2, file:line, and still a valid report.
-- test: exit 2
-- test: stdout-has 007-syntax-error.lua:6:
-- test: json r["scenarios"][0]["status"] == "error" and r["scenarios"][0]["failure"]["kind"] == "script"
step("broken", function()
  local x = = 1
end)
