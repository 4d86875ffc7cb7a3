-- poll = "5s" keeps IDLE (it is the re-check interval under IDLE, and the
-- interval only for servers without IDLE): mail is seen within ~1 s, not
-- at the next 5 s poll.  idle = false polls.
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var SMTP=smtp://127.0.0.1:$TT_SMTP_PORT --var MAIL_PASSWORD=$TT_MAIL_PASSWORD
-- test: exit 0
-- test: within 20
step("IDLE with poll", { timeout = "10s" }, function()
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD, poll = "5s" }
  while not mb:_status():find("^connected") do mb:_changed(500) end
  expect(mb:_status()):contains("(IDLE)")
  local to = mail.address("canary@example.test")
  mail.send { url = vars.SMTP, from = "app@example.test", to = to, subject = "idle with poll", text = "hi" }
  local started = telltale.now()
  mb:wait { to = to }
  expect(telltale.now() - started):lt(1500)
end)

step("idle = false polls", { timeout = "10s" }, function()
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD, idle = false,
                            poll = "200ms" }
  while not mb:_status():find("^connected") do mb:_changed(500) end
  expect(mb:_status()):contains("(polling)")
  local ok, err = pcall(mail.mailbox, { url = vars.IMAP, user = "canary", password = "x", idle = "no" })
  expect(ok):falsy()
  expect(tostring(err)):contains("idle must be a boolean, got string")
end)
