-- sasl = "xoauth2" forces Google's mechanism although the server prefers
-- OAUTHBEARER; the client-credentials grant (Microsoft 365's app-only
-- sign-in) gets the token, with the scope sent along.
-- test: args --trace --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var IDP=$TT_OAUTH_URL --var CLIENT_ID=$TT_OAUTH_CLIENT_ID --var CLIENT_SECRET=$TT_OAUTH_CLIENT_SECRET
-- test: exit 0
-- test: stderr-has imap > 1 AUTHENTICATE XOAUTH2 [redacted]
-- test: stderr-lacks AUTHENTICATE OAUTHBEARER
-- test: stderr-lacks client-s3cr3t-0auth
-- test: within 15
step("client credentials, XOAUTH2", { timeout = "10s" }, function()
  local p = mail.probe {
    url = vars.IMAP, user = "canary", sasl = "xoauth2",
    oauth2 = { token_url = vars.IDP .. "/token", client_id = vars.CLIENT_ID, client_secret = vars.CLIENT_SECRET,
               grant = "client_credentials", scope = "https://outlook.office365.com/.default" },
  }
  expect(p.authenticated):eq(true)
end)
