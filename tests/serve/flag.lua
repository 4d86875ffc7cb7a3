-- Passes while the file vars.OK_FILE exists; fails with kind `missing`
-- otherwise, at step "ok file present".  With vars.FIRST_FILE, a step
-- before it needs that file too (a failure that moves to another step).
scenario { name = "flag" }

if vars_get("FIRST_FILE") then
  step("first file present", { timeout = "5s" }, function()
    fs.fresh(vars.FIRST_FILE, "1d")
  end)
end

step("ok file present", { timeout = "5s" }, function()
  fs.fresh(vars.OK_FILE, "1d")
end)
