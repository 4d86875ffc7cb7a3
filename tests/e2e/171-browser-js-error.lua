-- The submit handler throws: with fail_on js_error the click fails, as an
-- assertion naming the exception and where it was thrown.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [assertion] page: js_error: uncaught exception: TypeError: Cannot read properties of undefined (reading 'apiUrl')
-- test: stdout-has browser-throws.html:
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "assertion"
-- test: json r["scenarios"][0]["steps"][0]["failure"]["where"].endswith("171-browser-js-error.lua:14")
-- test: json any("uncaught exception" in l for l in r["scenarios"][0]["steps"][0]["logs"])
-- test: within 30
step("submit", function()
  local page = browser.page{ fail_on = { "js_error" } }
  page:visit(vars.BASE .. "/static/browser-throws.html")
  page:click("#go")
  page:wait_for{ selector = "#welcome" }
end)
