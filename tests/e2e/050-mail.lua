-- The signature check: an action sends an e-mail; it arrives, through a
-- real MTA, in a real IMAP mailbox; its link is followed.
-- test: args --var BASE=$TT_HTTP --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var MAIL_PASSWORD=$TT_MAIL_PASSWORD
-- test: exit 0
-- test: stdout-lacks mail-s3cr3t-pa55
step("the reset mail arrives and its link works", { timeout = "20s" }, function(ctx)
  local to = mail.address("canary@example.test")
  expect(to):match("^canary%+tt%-.+@example%.test$")
  http.post(vars.BASE .. "/mail", {
    expect = 202,
    json = {
      to = to, subject = "Reset your password",
      text = "Hello,\n\nreset it here: " .. vars.BASE .. "/ok?token=abc\n\nYour code is 493817.\n",
    },
  })
  local mb = mail.mailbox{ url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD }
  local msg = mb:wait{ to = to, subject = "Reset your password" }
  expect(msg.to):eq({ to })
  expect(msg.from):eq("app@example.test")
  expect(msg:match("code is (%d%d%d%d%d%d)")):eq("493817")
  local link = msg:link("token=")
  expect(http.get(link).body):contains("hello from nginx")
  expect(msg:raw()):contains("Subject: Reset your password")
end)
