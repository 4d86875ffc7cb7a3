-- Passes while the file vars.OK_FILE exists; fails with kind `missing`
-- otherwise, at step "ok file present".
scenario { name = "flag" }

step("ok file present", { timeout = "5s" }, function()
  fs.fresh(vars.OK_FILE, "1d")
end)
