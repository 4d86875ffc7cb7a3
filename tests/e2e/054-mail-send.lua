-- mail.send through a submission port the way providers run one (STARTTLS
-- required, AUTH, only authenticated clients relay), with the certificate
-- checked against the test CA; the message travels Postfix → Dovecot and
-- is read back over IMAP, encoded subject and all.  --trace shows the SMTP
-- dialogue with the AUTH exchange and the password redacted.
-- test: args --trace --var SUBMIT=smtp://127.0.0.1:$TT_SUBMISSION_PORT --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var CA=$TT_MAIL_CA --var MAIL_PASSWORD=$TT_MAIL_PASSWORD
-- test: exit 0
-- test: stderr-has smtp > STARTTLS
-- test: stderr-has smtp > [redacted]
-- test: stderr-has smtp < 235
-- test: stderr-has smtp > MAIL FROM:<canary@example.test>
-- test: stderr-has ] > 2 SELECT INBOX
-- test: stderr-lacks LOGIN canary
-- test: stderr-lacks mail-s3cr3t-pa55
-- test: stdout-lacks mail-s3cr3t-pa55
-- test: stderr-lacks bWFpbC1zM2NyM3QtcGE1N
-- test: within 30
step("send and receive", { timeout = "20s" }, function()
  local to = mail.address("canary@example.test")
  local sent = mail.send {
    url = vars.SUBMIT, starttls = "required", ca = vars.CA, user = "canary", password = vars.MAIL_PASSWORD,
    from = "canary@example.test", to = to,
    subject = "Grüße: your code", text = "Your code is 271828.\nhttps://example.test/confirm?t=1&u=2\n",
    html = "<p>Your code is <b>271828</b>. <a href=\"https://example.test/confirm?t=1&amp;u=2\">confirm</a></p>",
    headers = { ["X-Canary"] = "yes" },
  }
  expect(sent.code):eq(250)
  expect(sent.queue_id):match("^%w+$")
  expect(sent.tls):eq(true)
  expect(sent.authenticated):eq(true)
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD }
  local msg = mb:wait { to = to, subject = "Grüße" }
  expect(msg.message_id):eq(sent.message_id)
  expect(msg.headers["x-canary"]):eq("yes")
  expect(msg:match("code is (%d+)")):eq("271828")
  expect(msg:link("confirm")):eq("https://example.test/confirm?t=1&u=2")
end)

step("a line break in an address is refused, not sent", function()
  local ok, err = pcall(mail.send, { url = vars.SUBMIT, from = "canary@example.test",
    to = { "a@example.test\r\nRCPT TO:<victim@example.test>" }, subject = "x", text = "x" })
  expect(ok):falsy()
  expect(tostring(err)):contains("'to' must be a list of addresses without line breaks")
end)
