-- Misuse of the mail API raises at once in the scenario author's terms
-- (kind script), and nothing allocated before the check leaks (the ASan
-- build fails the case on a leak).
-- test: exit 0
local function raises(f, opts, text)
  local ok, err = pcall(f, opts)
  expect(ok):falsy()
  expect(tostring(err)):contains(text)
end

step("clear errors", function()
  raises(mail.mailbox, { url = "http://x/INBOX", user = "u", password = "p" }, "is not an imap:// or imaps:// URL")
  raises(mail.mailbox, { url = "imap://x/INBOX" }, "needs 'user' and 'password'")
  raises(mail.mailbox, { url = "imap://x/INBOX", user = "u", password = "p", ca = {} }, "ca must be a string, got table")
  raises(mail.mailbox, { url = "imap://x/INBOX", user = "u", password = "p", poll = "soon" }, "poll must be a duration")
  raises(mail.probe, { url = "smtp://x", starttls = "maybe" }, 'starttls must be "required", "optional" or "off"')
  raises(mail.probe, { url = "smtp://x", user = "u" }, "'user' needs a 'password'")
  raises(mail.probe, { url = "ftp://x" }, "is not an imap(s):// or smtp(s):// URL")
  raises(mail.send, { url = "smtp://x", to = "a@b" }, "needs 'from' and 'to'")
  raises(mail.send, { url = "imap://x", from = "a@b", to = "c@d" }, "is not an smtp:// or smtps:// URL")
  raises(net.tcp, { host = "x", port = 70000 }, "'port' between 1 and 65535")
end)
