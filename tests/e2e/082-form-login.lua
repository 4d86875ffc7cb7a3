-- The case that broke on a framework login form: POST answered with 302
-- continues as GET to the dashboard, with the session cookie.  Actions and
-- links resolve as a browser resolves them (a ':' in a path, a raw space).
-- What the scenario types into a password field is a secret.
-- test: args --var BASE=$TT_HTTP --trace
-- test: exit 0
-- test: stderr-has } csrf=t0k&user=canary&password=[REDACTED]
-- test: stderr-lacks hunter2-x
step("log in", function()
  local page = http.get(vars.BASE .. "/static/forms.html"):html()
  local resp = page:form("login"):submit({ user = "canary", password = "hunter2-x" })
  expect(resp.status):eq(200)
  expect(resp.method):eq("GET")
  expect(resp.url):eq(vars.BASE .. "/app/dashboard")
  expect(resp:html():first("//h1")):eq("Welcome")
  expect(resp.redirects):eq({ { status = 302, method = "POST", url = vars.BASE .. "/app/login" } })
  local not_followed = page:form("login"):submit({}, { follow = false, expect = 302 })
  expect(not_followed.status):eq(302)
end)

step("URLs", function()
  local page = http.get(vars.BASE .. "/static/forms.html"):html()
  local wiki = page:form("wiki")
  expect(wiki.action):eq(vars.BASE .. "/app/echo/index.php/Special:CreateAccount")
  expect(wiki:submit({ wpName = "x" }):json().path):eq("/app/echo/index.php/Special:CreateAccount")
  expect(page:links()):eq({ vars.BASE .. "/app/echo/a%20b", vars.BASE .. "/app/echo/caf%C3%A9" })
  expect(http.get(page:links()[1]):json().path):eq("/app/echo/a%20b")
end)
