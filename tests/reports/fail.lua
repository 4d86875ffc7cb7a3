-- Fails: a 500 with a secret in the request, a near-miss style detail, a
-- step that is skipped, a teardown that runs.
scenario { name = "checkout" }
local token = secret("s3cr3t-pa55")
step("login", function()
  http.get(vars.BASE .. "/ok", { headers = { Authorization = "Bearer " .. token } })
  log("logged in with " .. token)
end)
step("pay", function()
  http.get(vars.BASE .. "/status/500", { headers = { Authorization = "Bearer " .. token } })
end)
step("receipt mail", function() end)
teardown({ name = "log out" }, function()
  fail("no receipt <yet>", "2 messages arrived\nnear miss: uid 7: subject \"Receipt\" does not contain \"Your receipt\"")
end)
