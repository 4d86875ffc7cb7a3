-- A CSP change blocks the API call: no request ever leaves, yet fail_on
-- resource sees it.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [assertion] page: resource:
-- test: stdout-has violates the following Content Security Policy directive
-- test: within 30
step("load", function()
  local page = browser.page{ fail_on = { "resource" } }
  page:visit(vars.BASE .. "/static/browser-csp.html")
  page:wait_for{ text = "ok" }
end)
