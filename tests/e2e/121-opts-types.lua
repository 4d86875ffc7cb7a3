-- A value of the wrong type is an error naming the option, the type it
-- needs and what it got: "false" is a string, and a string is true to
-- lua_toboolean, so insecure = "false" used to turn verification off.
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var "DSN=$TT_PG_DSN" --var BASE=$TT_HTTP
-- test: exit 0
-- test: stdout-lacks hunter2
local function raises(text, f, ...)
  local ok, err = pcall(f, ...)
  expect(ok, text):falsy()
  expect(tostring(err)):contains(text)
end

step("wrong types are errors", function()
  raises('mail.mailbox: insecure must be a boolean, got string "false"',
    mail.mailbox, { url = vars.IMAP, user = "u", password = "p", insecure = "false" })
  raises('db.connect: write must be a boolean, got string "false"', db.connect, vars.DSN, { write = "false" })
  raises('db.connect: write must be a boolean, got string "false"', db.connect, { dsn = vars.DSN, write = "false" })
  raises('http.get: insecure must be a boolean, got string "false"', http.get, vars.BASE .. "/", { insecure = "false" })
  raises('http.request: timeout must be a duration ("5s", "250ms" or seconds), got string "5 secs"',
    http.request, { url = vars.BASE .. "/", timeout = "5 secs" })
  raises('http.request: max_body must be a size (bytes, or "512k", "10M"), got string "12q"',
    http.request, { url = vars.BASE .. "/", max_body = "12q" })
  raises("http.request: follow must be an integer or a boolean, got number 1.5",
    http.request, { url = vars.BASE .. "/", follow = 1.5 })
  raises('net.tcp: port must be an integer, got string "80"', net.tcp, { host = "127.0.0.1", port = "80" })
  raises("mail.send: to must be a string or a list of strings, got table",
    mail.send, { url = "smtp://127.0.0.1:1", from = "a@b", to = { 1, 2 } })
  raises("mb:wait: subject must be a string or { pattern = \"...\" }, got number 3",
    function() mail.mailbox{ url = vars.IMAP, user = "u", password = "p" }:wait{ subject = 3 } end)
  raises('eventually: interval must be a duration', eventually, function() return true end, { interval = "soon" })
  -- a credential's value is never quoted back
  raises("mail.mailbox: password must be a string, got number",
    mail.mailbox, { url = vars.IMAP, user = "u", password = 2 })
  raises("db.connect: password must be a string, got table", db.connect, { dsn = vars.DSN, password = { "hunter2" } })
  raises("table expected, got string", mail.mailbox, "imap://x")
end)
