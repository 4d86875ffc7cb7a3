-- What a scenario reads from a message is what a mail client shows:
-- msg.text has LF line ends; msg.headers is case-insensitive and joins a
-- repeated header's values (msg:header_all lists them); links come from
-- <a href> and <area href> (entities decoded), not <link href> or
-- data-href.
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var SMTP=smtp://127.0.0.1:$TT_SMTP_PORT --var MAIL_PASSWORD=$TT_MAIL_PASSWORD
-- test: exit 0
-- test: within 20
step("decode", { timeout = "15s" }, function()
  local to = mail.address("canary@example.test")
  local raw = table.concat({
    "From: app@example.test", "To: " .. to, "Subject: decoding", "X-Tag: first", "x-tag: second",
    "MIME-Version: 1.0", 'Content-Type: multipart/alternative; boundary="b1"', "",
    "--b1", "Content-Type: text/plain; charset=utf-8", "",
    "Username:", "canary", "Visit https://text.example.test/login.", "",
    "--b1", "Content-Type: text/html; charset=utf-8", "",
    '<html><head><link href="https://style.example.test/x.css" rel="stylesheet"></head><body>',
    '<p data-href="https://data.example.test/">x</p>',
    '<a href="https://app.example.test/reset?a=1&amp;b=2">reset</a>',
    '<map><area href="https://map.example.test/area" alt=""></map>',
    '<a href="mailto:someone@example.test">mail</a>',
    "</body></html>", "--b1--", "" }, "\r\n")
  mail.send { url = vars.SMTP, from = "app@example.test", to = to, raw = raw }
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD }
  local msg = mb:wait { to = to }
  expect(msg.text):contains("Username:\ncanary")
  expect(msg.text:find("\r", 1, true)):eq(nil)
  expect(msg.headers["X-TAG"]):eq("first, second")
  expect(msg.headers["subject"]):eq("decoding")
  expect(msg:header_all("X-Tag")):eq({ "first", "second" })
  expect(msg:header_all("nope")):eq({})
  expect(msg.links):eq({ "https://text.example.test/login", "https://app.example.test/reset?a=1&b=2",
                         "https://map.example.test/area" })
end)
