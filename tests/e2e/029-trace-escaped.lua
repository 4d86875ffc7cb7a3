-- --trace shows what a server (or a scenario) sent, it does not obey it:
-- control characters in a traced header are shown as \e and \xNN, so they
-- cannot recolour the terminal or ring its bell.  A header value with a
-- line break is refused: it would smuggle a header (or a body) in.
-- test: args --trace --var BASE=$TT_HTTP
-- test: exit 0
-- test: stderr-has > X-Evil: \e[2J\x07boom
step("a header with escapes", function()
  http.get(vars.BASE .. "/echo/headers", { headers = { ["X-Evil"] = "\27[2J\7boom" } })
end)

step("a header with a line break", function()
  local ok, err = pcall(http.get, vars.BASE .. "/echo/headers", { headers = { ["X-Evil"] = "a\r\nX-Admin: 1" } })
  expect(ok):falsy()
  expect(tostring(err)):contains("header 'X-Evil' has a line break")
end)
