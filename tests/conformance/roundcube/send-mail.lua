-- Roundcube sends a message: sign in, fill in the compose form, send it
-- (Roundcube hands it to the mail relay with the user's own login), and
-- the message arrives in the recipient's mailbox over IMAP, and Roundcube
-- kept a copy in the sender's Sent folder.
scenario { name = "roundcube: send mail", tags = { "conformance", "roundcube" } }

step("sign in", function()
  local form = http.get(vars.ROUNDCUBE_URL):html():form("//form[.//input[@name='_user']]")
  local resp = form:submit{ _user = vars.IMAP_USER, _pass = vars.IMAP_PASSWORD }
  expect(resp.url, "landed on"):contains("_task=mail")
end)

step("compose and send", function(ctx)
  ctx.to = mail.address("canary@example.test")
  ctx.subject = "Hello from Roundcube " .. unique("msg")
  -- Roundcube redirects to the new draft's own compose URL.
  local compose = http.get(vars.ROUNDCUBE_URL .. "?_task=mail&_action=compose", { follow = true }):html()
  local resp = compose:form("//form[@name='form']"):submit{
    _to = ctx.to, _subject = ctx.subject, _message = "Sent by the conformance suite.",
  }
  -- The answer is a script for the compose page's frame, with the message
  -- Roundcube shows the user: a success, or the error.
  local said = resp.body:match('sent_successfully%([^,]*,%s*"([^"]*)"') or resp.body:match('display_message%("([^"]*)"')
  expect(said, "Roundcube's answer to send"):eq("Message sent successfully.")
end)

step("the message arrives", { timeout = "20s" }, function(ctx)
  local mb = mail.mailbox{ url = vars.IMAP_URL, user = vars.IMAP_USER, password = vars.IMAP_PASSWORD }
  local msg = mb:wait{ to = ctx.to, subject = ctx.subject }
  expect(msg.from, "sender"):contains(vars.IMAP_USER .. "@example.test")
  expect(msg.text):contains("Sent by the conformance suite.")
end)

step("a copy is kept in Sent", { timeout = "10s" }, function(ctx)
  local sent = mail.mailbox{ url = vars.IMAP_URL:gsub("/INBOX$", "/Sent"), user = vars.IMAP_USER, password = vars.IMAP_PASSWORD }
  sent:wait{ to = ctx.to, subject = ctx.subject }
end)
