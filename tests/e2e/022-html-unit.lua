-- The HTML module's own checks (tests/unit/html_test.lua), run in a step.
-- test: exit 0
step("html_test.lua", function()
  local dir = run.file:match("^(.*)/e2e/[^/]*$")
  dofile(dir .. "/unit/html_test.lua")
end)
