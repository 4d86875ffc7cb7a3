-- --browsers 1: a second page waits for the first one's slot, and says so
-- when the deadline passes.
-- test: args --browsers 1
-- test: exit 1
-- test: stdout-has while waiting for a free browser page (--browsers 1)
-- test: within 20
step("two pages", { timeout = "3s" }, function()
  local first = browser.page{}
  local second = browser.page{}
end)
