-- lib/ loads on first use, not in every scenario state: expect and
-- eventually on their first call, db.lua, mail.lua and form.lua on the
-- first use of what they add (h:one, mb:wait, mail.address, form:submit).
-- A thousand waiting scenarios that never check anything pay for none.
-- test: exit 0
-- test: stdout-has 1 passed
step("not loaded until used", function()
  for _, m in ipairs({ "telltale.expect", "telltale.eventually", "telltale.db", "telltale.mail", "telltale.form" }) do
    if package.loaded[m] ~= nil then error(m .. " is loaded before its first use") end
  end
end)
step("loaded by the first use", function()
  local stub = expect
  expect(1):eq(1)
  expect(package.loaded["telltale.expect"]):ne(nil)
  expect(expect):ne(stub) -- the stub put the function in its place
  expect(stub(2):eq(2).actual):eq(2)
  expect(eventually(function() return 7 end)):eq(7)
  expect(type(db._methods.one)):eq("function")
  expect(package.loaded["telltale.db"]):ne(nil)
  expect(type(db._methods.fresh)):eq("function")
  expect(mail.address("box@example.test")):match("^box%+")
  expect(type(mail._methods.wait)):eq("function")
  local doc = html.parse('<form id="f" action="/go"><input name="q" value="1"></form>', "http://example.test/")
  expect(type(doc:form("f").submit)):eq("function")
  expect(package.loaded["telltale.form"]):ne(nil)
end)
step("errors still point at the scenario", function()
  local ok, err = pcall(function()
    eventually("not a function") -- line 30
  end)
  expect(ok):eq(false)
  expect(err):contains("155-lib-on-first-use.lua:30: bad argument #1 to 'eventually'")
end)
