-- A browser-like flow: open the login page, read the form and its CSRF
-- token, submit it, and keep the session cookie for the next step.
scenario { name = "login form", tags = { "smoke" } }

step("open the login page", function(ctx)
  local page = http.get(vars.BASE_URL .. "/static/form.html"):html()
  local form = assert(page:form("login"))
  expect(form.hidden.csrf_token, "CSRF token"):match("^tok%-")
  ctx.form = form
end)

step("submit it", function(ctx)
  ctx.form.fields.email = "canary@example.test"
  -- The demo stack echoes the body back; a real app would redirect.
  local resp = http.post(vars.BASE_URL .. "/echo/body", { form = ctx.form.fields })
  expect(resp.body):contains("csrf_token=tok-123%26x")
  expect(resp.body):contains("email=canary%40example.test")
end)

step("the session cookie sticks", function()
  http.get(vars.BASE_URL .. "/cookie/set")
  expect(http.get(vars.BASE_URL .. "/cookie/check").body):contains("session=abc123")
end)
