-- A page closed by <close> while its step fails anyway: the step keeps
-- its own failure, and the page's event is in the step's log.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "assertion" and r["scenarios"][0]["steps"][0]["failure"]["message"].startswith("its own failure")
-- test: json any("uncaught exception: Error: while failing" in l for l in r["scenarios"][0]["steps"][0]["logs"])
-- test: within 30
step("fails", function()
  local page <close> = browser.page{ fail_on = { "js_error" } }
  page:visit(vars.BASE .. "/static/browser-next.html")
  page:eval("setTimeout(function () { throw new Error('while failing') }, 300), 1")
  sleep("1500ms")
  expect(1, "its own failure"):eq(2)
end)
