-- Every entry point that takes an options table refuses a key it does not
-- know, at once, naming it and the valid ones: a misspelt criterion or
-- flag must never be silently ignored (kind script, at the caller's line).
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var MAIL_PASSWORD=$TT_MAIL_PASSWORD --var "DSN=$TT_PG_DSN" --var BASE=$TT_HTTP
-- test: exit 0
local function raises(text, f, ...)
  local ok, err = pcall(f, ...)
  expect(ok, text):falsy()
  expect(tostring(err)):contains(text)
end

step("unknown options are errors", { timeout = "10s" }, function()
  local mb = mail.mailbox{ url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD }
  raises("unknown mb:wait option 'subjcet' (expected: to, from, subject, body, since, timeout)",
    mb.wait, mb, { to = "x@example.test", subjcet = "Password reset" })
  raises("unknown mail.mailbox option 'pasword'", mail.mailbox, { url = vars.IMAP, user = "u", pasword = "p" })
  raises("unknown mail.send option 'subjet'", mail.send, { url = "smtp://127.0.0.1:1", from = "a@b", to = "c@d", subjet = "x" })
  raises("unknown mail.probe option 'timout'", mail.probe, { url = "smtp://127.0.0.1:1", timout = "1s" })
  raises("unknown net.tcp option 'prot' (expected: host, port, timeout)", net.tcp, { host = "127.0.0.1", prot = 1 })
  raises("unknown db.connect option 'wirte'", db.connect, { dsn = vars.DSN, wirte = true })
  raises("unknown db.connect option 'wirte'", db.connect, vars.DSN, { wirte = true })
  raises("unknown http.request option 'heders'", http.request, { url = vars.BASE .. "/", heders = {} })
  raises("unknown http.get option 'timout'", http.get, vars.BASE .. "/", { timout = "1s" })
  raises("unknown http.post option 'url'", http.post, vars.BASE .. "/", { url = "http://elsewhere/" })
  raises("unknown eventually option 'timout' (expected: timeout, interval, message, backoff)",
    eventually, function() return true end, { timout = "1s" })
  local h = db.connect(vars.DSN)
  raises("unknown h:wait option 'intervall' (expected: timeout, interval)",
    h.wait, h, "SELECT 1 AS x", {}, nil, { intervall = "1s" })
  raises("unknown mb:wait option [1] (options are named)", mb.wait, mb, { "x@example.test" })
end)
