-- expect(...):eq on tables names the path of the first difference (keys
-- sorted), and json.null / db.null print as null, not "userdata: (nil)".
-- test: exit 0
local function message(f)
  local ok, err = pcall(f)
  expect(ok):falsy()
  return err.message
end

step("paths and nulls", function()
  local m = message(function()
    expect({ b = 1, a = { items = { { name = "x" }, { name = "y" } } } })
      :eq({ b = 1, a = { items = { { name = "x" }, { name = "z" } } } })
  end)
  expect(m):contains('first difference at .a.items[2].name: expected "z", got "y"')
  m = message(function() expect({ z = 1, b = 2, a = 3 }):eq({ z = 1, b = 2, a = 4 }) end)
  expect(m):contains("expected {a=4, b=2, z=1}, got {a=3, b=2, z=1}: first difference at .a")
  m = message(function() expect({ x = 1 }):eq({ x = 1, y = 2 }) end)
  expect(m):contains("first difference at .y: expected 2, got (absent)")
  m = message(function() expect(json.null):eq(3) end)
  expect(m):eq("expected 3, got null")
  m = message(function() expect({ v = db.null }):eq({ v = 1 }) end)
  expect(m):contains("first difference at .v: expected 1, got null")
  expect(tostring(json.null)):eq("null")
  expect(tostring(db.null)):eq("null")
end)
