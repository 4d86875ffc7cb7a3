-- An API read and a write that comes back: what goes in must come out.
scenario { name = "api round-trip", tags = { "api" } }

step("read the record", function(ctx)
  local record = http.get(vars.BASE_URL .. "/json"):json()
  expect(record.id, "id"):eq(42)
  expect(record.tags, "tags"):contains("a")
  ctx.record = record
end)

step("write it back and read the echo", function(ctx)
  local token = unique("rt")
  local resp = http.post(vars.BASE_URL .. "/echo/body", { json = { token = token, id = ctx.record.id } })
  expect(resp:json()):eq({ token = token, id = 42 })
  log("round-trip took", math.floor(resp.timings.total), "ms")
end)
