-- The smallest useful canary: the service answers, and says it is healthy.
scenario { name = "health", tags = { "smoke" } }

step("homepage answers", { timeout = "5s" }, function(ctx)
  local resp = http.get(vars.BASE_URL .. "/health")
  expect(resp.status):eq(200)
  expect(resp.body):contains("ok")
end)
