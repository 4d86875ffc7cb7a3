-- The pages of a scenario share one browser context: what one page left in
-- localStorage (a single-page app's token) the next page finds, also after
-- the first was closed; the next scenario run starts with an empty one.
-- test: args --repeat 2 --parallel 1 --var BASE=$TT_HTTP
-- test: exit 0
-- test: json [s["status"] for s in r["scenarios"]] == ["passed", "passed"]
-- test: json all(s["steps"][0]["logs"] == ["found: nil"] and s["steps"][1]["logs"] == ["found: t0k"] for s in r["scenarios"])
-- test: within 40
step("a page leaves a token", function()
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser-next.html")
  log("found: " .. tostring(page:eval("localStorage.getItem('token')")))
  page:eval("localStorage.setItem('token', 't0k'), 1")
  page:close()
end)

step("another page finds it", function()
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser-next.html")
  log("found: " .. tostring(page:eval("localStorage.getItem('token')")))
end)
