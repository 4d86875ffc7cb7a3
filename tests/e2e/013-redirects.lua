-- Redirects are not followed by default; follow = true or a maximum count.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [http] too many redirects
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
step("follow", function()
  local resp = http.get(vars.BASE .. "/redirect")
  expect(resp.status):eq(302)
  expect(resp.headers.location):match("/ok$")
  local followed = http.get(vars.BASE .. "/redirect", { follow = true })
  expect(followed.status):eq(200)
  expect(followed.url):eq(vars.BASE .. "/ok")
end)

step("loop", function()
  http.get(vars.BASE .. "/redirect-loop", { follow = 3 })
end)
