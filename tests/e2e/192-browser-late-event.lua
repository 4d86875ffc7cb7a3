-- An exception thrown after the step's last page operation (a timer the
-- page set) still fails the step with fail_on js_error: the end of the step
-- answers for what arrived since; the next step does not run.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [assertion] page: js_error: uncaught exception: Error: late boom
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "assertion" and r["scenarios"][0]["steps"][0]["failure"]["where"] is None
-- test: json r["scenarios"][0]["steps"][0]["failure"]["detail"] == "it happened after the page's last operation in the step returned"
-- test: json r["scenarios"][0]["steps"][0]["status"] == "failed" and r["scenarios"][0]["steps"][1]["status"] == "skipped"
-- test: json any("late boom" in l for l in r["scenarios"][0]["steps"][0]["logs"])
-- test: within 30
step("the page throws later", function()
  local page = browser.page{ fail_on = { "js_error" } }
  page:visit(vars.BASE .. "/static/browser-next.html")
  page:eval("setTimeout(function () { throw new Error('late boom') }, 300), 1")
  sleep("1500ms") -- no page operation sees it
end)

step("not reached", function() end)
