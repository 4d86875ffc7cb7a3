-- Each scenario run has its own cookie jar, kept across steps.
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
step("login sets a cookie", function()
  local resp = http.get(vars.BASE .. "/cookie/set")
  expect(resp.headers["set-cookie"]):match("session=abc123")
end)

step("the cookie comes back", function()
  local resp = http.get(vars.BASE .. "/cookie/check")
  expect(resp.body):contains("cookie=session=abc123")
end)
