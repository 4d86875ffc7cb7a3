-- OAuth 2.0 sign-in with a refresh token, as Gmail and Microsoft 365 want
-- it: mail.send through the submission port (STARTTLS, then AUTH with the
-- token; Postfix asks Dovecot, whose oauth2 passdb introspects it at the
-- suite's provider) and mb:wait over IMAP (AUTHENTICATE, OAUTHBEARER:
-- Dovecot offers both, OAUTHBEARER is preferred).  The token, the client
-- secret and the refresh token never show in the trace.
-- test: args --trace -v --var SUBMIT=smtp://127.0.0.1:$TT_SUBMISSION_PORT --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var CA=$TT_MAIL_CA --var IDP=$TT_OAUTH_URL --var CLIENT_ID=$TT_OAUTH_CLIENT_ID --var CLIENT_SECRET=$TT_OAUTH_CLIENT_SECRET
-- test: exit 0
-- test: stderr-has imap > 1 AUTHENTICATE OAUTHBEARER [redacted]
-- test: stderr-has ] > 1 AUTHENTICATE OAUTHBEARER [redacted]
-- test: stderr-has smtp > AUTH OAUTHBEARER [redacted]
-- test: stderr-has smtp < 235
-- test: stderr-lacks client-s3cr3t-0auth
-- test: stderr-lacks rt-160-
-- test: stderr-lacks at-
-- test: stdout-lacks client-s3cr3t-0auth
-- test: stdout-lacks rt-160-
-- test: within 30
local function oauth2()
  return {
    token_url = vars.IDP .. "/token", client_id = vars.CLIENT_ID, client_secret = vars.CLIENT_SECRET,
    refresh_token = "rt-160-" .. run.id, scope = "https://mail.google.com/",
  }
end

step("probe signs in with a token", { timeout = "10s" }, function()
  local p = mail.probe { url = vars.IMAP, user = "canary", oauth2 = oauth2() }
  expect(p.authenticated):eq(true)
  expect(p.capabilities):contains("AUTH=OAUTHBEARER")
end)

step("send and receive with a refresh token", { timeout = "20s" }, function()
  local to = mail.address("canary@example.test")
  local sent = mail.send {
    url = vars.SUBMIT, starttls = "required", ca = vars.CA, user = "canary", oauth2 = oauth2(),
    from = "canary@example.test", to = to, subject = "signed in with OAuth", text = "bearer of good news\n",
  }
  expect(sent.code):eq(250)
  expect(sent.authenticated):eq(true)
  expect(sent.capabilities):contains("AUTH=XOAUTH2")
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", oauth2 = oauth2() }
  local msg = mb:wait { to = to, subject = "signed in with OAuth" }
  expect(msg.text):contains("bearer of good news")
  -- The probe, the send and the mailbox shared one token: one grant.
  expect(http.get(vars.IDP .. "/count?refresh_token=rt-160-" .. run.id):json().token):eq(1)
end)
