-- A row that never comes: kind missing, with the last result in the detail.
-- test: args --var "DSN=$TT_PG_DSN"
-- test: exit 1
-- test: stdout-has [missing] no row matching the predicate
-- test: json "last result:" in r["scenarios"][0]["steps"][0]["failure"]["detail"]
-- test: json "label=hello" in r["scenarios"][0]["steps"][0]["failure"]["detail"]
-- test: within 4
step("never", { timeout = "1s" }, function()
  local h = db.connect(vars.DSN)
  h:wait("SELECT label FROM types", {}, function(r) return r.label == "goodbye" end)
end)
