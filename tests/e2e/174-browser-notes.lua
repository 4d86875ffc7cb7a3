-- Without fail_on the same problems are notes in the step's log, and the
-- step passes: exceptions, console errors and failed resources.
-- test: args -v --var BASE=$TT_HTTP
-- test: exit 0
-- test: stdout-has browser: js_error: uncaught exception: TypeError
-- test: stdout-has browser: resource: GET $TT_HTTP/static/missing-bundle.js returned 404 (Script)
-- test: json any("console.error: no config" in l for l in r["scenarios"][0]["steps"][0]["logs"])
-- test: within 30
step("tolerant", function()
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser-missing.html")
  page:visit(vars.BASE .. "/static/browser-throws.html")
  page:click("#go")
  page:eval("console.error('no config'); 1")
  page:eval("1")
end)
