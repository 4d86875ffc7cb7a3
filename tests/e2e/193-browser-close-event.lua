-- page:close() answers for the fail_on events since the last operation:
-- after it the page is gone, and nothing else would see them.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [assertion] page: js_error: uncaught exception: Error: before close
-- test: json r["scenarios"][0]["steps"][0]["failure"]["where"].endswith("193-browser-close-event.lua:14")
-- test: within 30
step("close", function()
  local page = browser.page{ fail_on = { "js_error" } }
  page:visit(vars.BASE .. "/static/browser-next.html")
  page:eval("setTimeout(function () { throw new Error('before close') }, 300), 1")
  sleep("1500ms")
  -- the page's event is this line's failure
  page:close()
end)
