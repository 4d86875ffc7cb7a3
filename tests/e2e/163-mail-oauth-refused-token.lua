-- An access token the mail server refuses (introspection: not active)
-- fails with the server's own words, the SASL error JSON decoded, over
-- IMAP (a mailbox: at once, phase authentication) and SMTP; a token given
-- as access_token cannot be refreshed, so it is tried once.
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var SUBMIT=smtp://127.0.0.1:$TT_SUBMISSION_PORT --var CA=$TT_MAIL_CA
-- test: exit 1
-- test: stdout-has refused the OAuth token for canary (OAUTHBEARER): NO
-- test: stdout-has status invalid_token
-- test: json [s["failure"]["phase"] for s in r["scenarios"][0]["steps"] if s.get("failure")] == ["authentication"]
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "network"
-- test: stdout-lacks at-never-issued-163
-- test: within 10
step("SMTP refuses it too", { timeout = "10s" }, function()
  local ok, err = pcall(mail.send, {
    url = vars.SUBMIT, starttls = "required", ca = vars.CA, user = "canary", sasl = "xoauth2",
    oauth2 = { access_token = "at-never-issued-163" },
    from = "canary@example.test", to = "canary@example.test", subject = "x", text = "x",
  })
  expect(ok):eq(false)
  expect(err.kind):eq("network")
  expect(err.phase):eq("authentication")
  expect(err.message):contains("SMTP server 127.0.0.1:")
  expect(err.message):contains("refused the OAuth token for canary (XOAUTH2): 535")
  expect(err.message:find("at-never-issued-163", 1, true)):eq(nil)
end)

step("IMAP refuses the token", { timeout = "30s" }, function()
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", oauth2 = { access_token = "at-never-issued-163" } }
  mb:wait { subject = "never" }
end)
