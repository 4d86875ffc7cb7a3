-- A step that fails by itself keeps its own failure, and its log still
-- gets what its page did meanwhile; a teardown logs its page's events and
-- is not failed by them.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: json r["scenarios"][0]["steps"][0]["failure"]["message"].startswith("its own failure")
-- test: json any("uncaught exception: Error: during the step" in l for l in r["scenarios"][0]["steps"][0]["logs"])
-- test: json r["scenarios"][0]["teardown"][0]["status"] == "passed"
-- test: json any("uncaught exception: Error: during the teardown" in l for l in r["scenarios"][0]["teardown"][0]["logs"])
-- test: within 30
local function throw_later(page, text)
  page:eval("setTimeout(function () { throw new Error('" .. text .. "') }, 300), 1")
  sleep("1500ms")
end

step("fails", function(ctx)
  ctx.page = browser.page{ fail_on = { "js_error" } }
  ctx.page:visit(vars.BASE .. "/static/browser-next.html")
  throw_later(ctx.page, "during the step")
  expect(1, "its own failure"):eq(2)
end)

teardown({ name = "uses the page" }, function(ctx)
  throw_later(ctx.page, "during the teardown")
end)
