-- A status >= 400 fails the step with kind http and the body in the detail;
-- `expect` states the statuses a step allows instead.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [http] GET
-- test: stdout-has /status/500 returned 500 (expected a status below 400)
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "http"
-- test: json "status 500" in r["scenarios"][0]["steps"][1]["failure"]["detail"]
step("404 allowed", function()
  local resp = http.get(vars.BASE .. "/status/404", { expect = 404 })
  expect(resp.status):eq(404)
  local again = http.get(vars.BASE .. "/status/302", { expect = { 200, 302 } })
  expect(again.status):eq(302)
end)

step("500 fails", function()
  http.get(vars.BASE .. "/status/500")
end)
