-- JSON in and out: resp:json(), the json option, json.encode/decode.
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
step("decode", function()
  local data = http.get(vars.BASE .. "/json"):json()
  expect(data.id):eq(42)
  expect(data.tags):eq({ "a", "b" })
  expect(data.nested.ok):truthy()
  expect(data.none):eq(json.null)
end)

step("post json", function()
  local resp = http.post(vars.BASE .. "/echo/body", { json = { name = "canary", n = 3 } })
  expect(resp.headers["content-type"]):eq("application/json")
  expect(resp:json()):eq({ name = "canary", n = 3 })
end)

step("post form", function()
  local resp = http.post(vars.BASE .. "/echo/body", { form = { b = "2 3", a = "1&" } })
  expect(resp.body):eq("a=1%26&b=2%203")
end)

step("query", function()
  local resp = http.get(vars.BASE .. "/echo/headers", { query = { q = "a b", n = 1 } })
  expect(resp.body):contains("args=n=1&q=a%20b")
end)
