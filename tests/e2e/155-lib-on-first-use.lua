-- lib/db.lua, mail.lua and form.lua load on first use of what they add
-- (h:one, mb:wait, mail.address, form:submit), not in every scenario state:
-- a suite that never touches a database pays nothing for db.lua.
-- test: exit 0
-- test: stdout-has 1 passed
step("not loaded until used", function()
  for _, m in ipairs({ "telltale.db", "telltale.mail", "telltale.form" }) do
    expect(package.loaded[m], m):eq(nil)
  end
end)
step("loaded by the first lookup", function()
  expect(type(db._methods.one)):eq("function")
  expect(package.loaded["telltale.db"]):ne(nil)
  expect(type(db._methods.fresh)):eq("function")
  expect(mail.address("box@example.test")):match("^box%+")
  expect(type(mail._methods.wait)):eq("function")
  local doc = html.parse('<form id="f" action="/go"><input name="q" value="1"></form>', "http://example.test/")
  expect(type(doc:form("f").submit)):eq("function")
  expect(package.loaded["telltale.form"]):ne(nil)
end)
