-- Passes, or fails when run with --var FAIL=1: the same scenario name
-- through a success and then a failure.
scenario { name = "oneshot-flaky" }
step("maybe", function()
  if vars_get("FAIL") then fail("told to fail") end
end)
