-- A scenario that fails in its second step; the third is skipped.
scenario { name = "oneshot-fail" }
step("works", function() end)
step("breaks", function() fail("boom") end)
step("never runs", function() end)
