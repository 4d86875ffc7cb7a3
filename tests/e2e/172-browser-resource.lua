-- The bundle 404s after a deploy: with fail_on resource the visit fails,
-- naming the script's URL and its status.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [assertion] page: resource: GET $TT_HTTP/static/missing-bundle.js returned 404 (Script)
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "assertion"
-- test: within 30
step("load", function()
  local page = browser.page{ fail_on = { "resource" } }
  page:visit(vars.BASE .. "/static/browser-missing.html")
end)
