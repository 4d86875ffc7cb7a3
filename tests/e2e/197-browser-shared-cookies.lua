-- Two pages share the scenario's cookie store: a cookie one page deletes
-- stays deleted for the other, even after the jar learnt a new cookie
-- (the bridge pushes the jar into the store only when the jar changed
-- since that store was last synced, whichever page synced it).
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
-- test: json r["scenarios"][0]["steps"][0]["logs"] == ["first page sees: theme=dark"]
-- test: within 30
step("one page signs out, the other stays signed out", function()
  local url = vars.BASE .. "/static/browser-next.html"
  local a = browser.page{}
  a:visit(url)
  a:eval("document.cookie = 'flag=on; path=/', 1")
  local b = browser.page{}
  b:visit(url)
  b:eval("document.cookie = 'flag=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/'; document.cookie = 'theme=dark; path=/', 1")
  a:visit(url)
  log("first page sees: " .. a:eval("document.cookie"))
end)
