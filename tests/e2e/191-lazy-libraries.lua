-- Libraries opened at their first use (sandbox_lazy_libs) behave as if
-- they had been opened with the state: pairs() over one nothing has used
-- yet lists all of it, require returns the global's table, the sandbox's
-- trims are there at the first look, a scenario's own `next` does not
-- change pairs(), and db, mail and html bring their Lua half (lib/) along.
-- test: exit 0
local math_names = 0
for _ in pairs(math) do math_names = math_names + 1 end -- the top level, before anything used math

step("pairs over a library not used yet", function()
  expect(math_names >= 25):truthy()
end)

step("require and the global are one table", function()
  expect(require("utf8") == utf8):truthy()
  expect(utf8.char(72, 105)):eq("Hi")
  expect(require("os") == os):truthy()
  expect(type(os.time())):eq("number")
end)

step("trimmed when opened", function()
  local names = {}
  for name in pairs(debug) do names[#names + 1] = name end
  expect(names):eq({ "traceback" })
  expect(require("io").popen):eq(nil)
  expect(os.execute):eq(nil)
end)

step("a scenario's next is not pairs' next", function()
  local real = next
  next = function() error("the scenario's next") end
  local ok, count = pcall(function()
    local n = 0
    for _ in pairs(coroutine) do n = n + 1 end
    for _ in pairs(io) do n = n + 1 end
    return n
  end)
  next = real
  expect(ok):truthy()
  expect(count > 8):truthy()
end)

step("db, mail and html bring lib/ along", function()
  expect(type(mail.address)):eq("function")
  expect(type(db._methods.one)):eq("function")
  local doc = html.parse('<form action="/x"><input name="a" value="1"></form>', "http://h/")
  expect(type(doc:form().submit)):eq("function")
end)
