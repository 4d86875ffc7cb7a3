-- The scenario timeout bounds every step.
-- test: exit 1
-- test: stdout-has did not finish within 500ms (the scenario timeout) while sleeping 10s
-- test: within 3
scenario { timeout = "500ms" }
step("slow", function()
  sleep("10s")
end)
