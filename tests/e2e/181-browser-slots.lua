-- --browsers 1: a second page waits for the first one's slot, and says so
-- when the deadline passes; closing the first frees the slot for the
-- teardown's page (not for the abandoned second one).
-- test: args --browsers 1 --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has while waiting for a free browser page (--browsers 1)
-- test: json r["scenarios"][0]["teardown"][0]["logs"] == ["a page again: Sign up"]
-- test: within 20
step("two pages", { timeout = "3s" }, function()
  FIRST = browser.page{}
  local second = browser.page{}
end)

teardown(function()
  FIRST:close()
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser.html")
  log("a page again: " .. page:text("#title"))
end)
