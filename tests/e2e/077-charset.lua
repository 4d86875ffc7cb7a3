-- resp:text() decodes the body from its charset to UTF-8 (Content-Type,
-- else <meta>, else UTF-8 with U+FFFD for bad bytes); resp:html() parses
-- with the same charset.  Latin-1 pages are read as windows-1252, as
-- browsers do (0x80 is €).
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
step("latin-1 by header", function()
  local resp = http.get(vars.BASE .. "/app/latin1")
  expect(resp.body):contains("caf\xe9")
  expect(resp:text()):eq("<title>Café</title><p>café crème €</p>")
  local page = resp:html()
  expect(page:first("//p")):eq("café crème €")
  expect(page:first("//title")):eq("Café")
end)

step("latin-1 by meta", function()
  local resp = http.get(vars.BASE .. "/app/latin1-meta")
  expect(resp:text()):contains("<p>café</p>")
  expect(resp:html():first("//p")):eq("café")
end)

step("UTF-8 with invalid bytes", function()
  local resp = http.post(vars.BASE .. "/echo/body", { body = "ok \xff\xfe end", headers = { ["Content-Type"] = "text/plain; charset=utf-8" } })
  expect(resp:text()):eq("ok \u{FFFD}\u{FFFD} end")
end)
