-- A document that answers 404 fails the visit with kind http; a refused
-- connection with kind network.
-- test: args --var BASE=$TT_HTTP --var CLOSED=$TT_CLOSED_PORT
-- test: exit 0
-- test: within 30
step("statuses", function()
  local page = browser.page{}
  local ok, err = pcall(page.visit, page, vars.BASE .. "/status/404")
  expect(ok):eq(false)
  expect(err.kind):eq("http")
  expect(err.message):eq("page:visit " .. vars.BASE .. "/status/404 returned 404")
  ok, err = pcall(page.visit, page, "http://127.0.0.1:" .. vars.CLOSED .. "/")
  expect(ok):eq(false)
  expect(err.kind):eq("network")
  expect(err.message):match("ERR_CONNECTION_REFUSED")
  page:visit(vars.BASE .. "/static/browser.html")
  local covered = pcall(page.click, page, "#go")
  expect(covered):eq(true)
  page:visit(vars.BASE .. "/static/browser-overlay.html")
  ok, err = pcall(page.click, page, "#go")
  expect(err.kind):eq("assertion")
  expect(err.message):eq("page:click: '#go' is covered by div.cookie-banner")
end)
