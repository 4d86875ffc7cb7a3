-- Cookies move both ways: one set by an HTTP step reaches the page, one
-- set by the page's JavaScript reaches http.cookies and the next request.
-- --trace names the cookie commands but shows no cookie, as it hides
-- Cookie headers.
-- test: args --var BASE=$TT_HTTP --trace
-- test: stderr-has browser > Network.getAllCookies (cookies not shown)
-- test: stderr-lacks "value":"dark"
-- test: exit 0
-- test: within 30
step("jar to page and back", function()
  http.get(vars.BASE .. "/cookie/set")
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser.html")
  page:visit(vars.BASE .. "/static/browser-next.html")
  expect(page:text("#cookies")):match("session=abc123")
  local names = {}
  for _, c in ipairs(http.cookies(vars.BASE .. "/")) do names[c.name] = c.value end
  expect(names.ui_theme):eq("dark")
  expect(http.get(vars.BASE .. "/cookie/check"):text()):match("ui_theme=dark")
end)
