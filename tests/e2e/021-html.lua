-- The HTML helper: XPath, forms with their hidden CSRF fields, links.
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
step("read a login form", function()
  local resp = http.get(vars.BASE .. "/static/form.html")
  local page = resp:html()
  expect(page:first("//h1")):eq("Welcome back")
  expect(page:xpath("//h1/@class")):eq({ "title" })
  expect(page:xpath("count(//form)")):eq(2)
  expect(page:first("//nothing")):eq(nil)

  local form = assert(page:form("login"))
  expect(form.method):eq("POST")
  expect(form.action):eq(vars.BASE .. "/static/login?next=%2Fhome")
  expect(form.hidden):eq({ csrf_token = "tok-123&x" })
  expect(form.fields):eq({
    csrf_token = "tok-123&x", email = "", password = "", remember = "on",
    plan = "pro", lang = "fr", note = "hello",
  })
  expect(page:form("login-form").action):eq(form.action)
  expect(page:form().action):eq(vars.BASE .. "/search")
  local ok, err = pcall(page.form, page, "nope")
  expect(ok):eq(false)
  expect(err.kind):eq("assertion")
  expect(err.message):contains("no form matching nope")

  expect(page:links()):eq({ vars.BASE .. "/terms", vars.BASE .. "/static/reset?token=abc&u=1" })
  expect(page:links("reset")):eq({ vars.BASE .. "/static/reset?token=abc&u=1" })
end)

step("bad input fails clearly", function()
  local doc = html.parse("<p>x</p>")
  local ok, err = pcall(doc.xpath, doc, "//[")
  expect(ok):falsy()
  expect(tostring(err)):contains("invalid XPath expression: //[")
  doc:close()
  ok, err = pcall(doc.first, doc, "//p")
  expect(tostring(err)):contains("attempt to use a closed HTML document")
  ok, err = pcall(html.parse, {})
  expect(tostring(err)):contains("string expected")
end)
