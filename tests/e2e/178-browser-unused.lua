-- A scenario that never calls browser.page never needs Chromium.
-- test: env TELLTALE_CHROMIUM=/nonexistent/chromium
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
-- test: within 5
step("http only", function()
  expect(http.get(vars.BASE .. "/ok").status):eq(200)
  expect(type(browser.page)):eq("function")
end)
