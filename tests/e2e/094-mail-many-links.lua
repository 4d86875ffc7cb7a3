-- A mail with 100,000 links is decoded within a step's deadline: links
-- are deduplicated by a hash, not by comparing each to all before it.
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var SMTP=smtp://127.0.0.1:$TT_SMTP_PORT --var MAIL_PASSWORD=$TT_MAIL_PASSWORD
-- test: exit 0
-- test: within 40
step("100k links", { timeout = "30s" }, function()
  local to = mail.address("canary@example.test")
  local parts = {}
  for i = 1, 100000 do parts[i] = '<a href="https://l.example.test/' .. i .. '">' .. i .. "</a>" end
  local html = "<html><body>\r\n" .. table.concat(parts, "\r\n") .. "\r\n</body></html>\r\n"
  mail.send { url = vars.SMTP, from = "app@example.test", to = to, timeout = "20s",
              raw = "From: app@example.test\r\nTo: " .. to .. "\r\nSubject: many links\r\nMIME-Version: 1.0\r\n" ..
                    "Content-Type: text/html; charset=utf-8\r\n\r\n" .. html }
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD }
  local started = telltale.now()
  local msg = mb:wait { to = to }
  expect(#msg.links):eq(100000)
  expect(msg.links[100000]):eq("https://l.example.test/100000")
  log(string.format("found and decoded in %d ms", telltale.now() - started))
end)
