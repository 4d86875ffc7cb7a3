-- What the sync endpoint stores must come back as personalised rules, not
-- as the defaults the app falls back to, silently, when it finds nothing.
scenario { name = "personalization round-trip", tags = { "api" } }

step("report a project's stack", { timeout = "10s" }, function(ctx)
  local resp = http.post(vars.BASE_URL .. "/sync/report", {
    json = { project = unique("project"), stack = { "python", "postgresql" } },
  })
  ctx.project_id = resp:json().project_id
end)

step("rules follow the stack", { timeout = "10s" }, function(ctx)
  local rules = http.get(vars.BASE_URL .. "/sync/personalized-rules/" .. ctx.project_id):json()
  expect(rules.stack, "stack the rules were derived from"):eq({ "python", "postgresql" })
  expect(rules.rules, "rules"):contains("pin-python-deps")
end)
