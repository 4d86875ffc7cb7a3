-- A refresh token revoked at the provider fails the wait at once — kind
-- network, phase authentication, with the endpoint's error and
-- error_description — not at the deadline as a `missing` mail.
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var IDP=$TT_OAUTH_URL --var CLIENT_ID=$TT_OAUTH_CLIENT_ID --var CLIENT_SECRET=$TT_OAUTH_CLIENT_SECRET
-- test: exit 1
-- test: stdout-has [network] OAuth token endpoint http://127.0.0.1:
-- test: stdout-has refused the refresh_token grant: invalid_grant: Token has been expired or revoked. (HTTP 400)
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "network"
-- test: json r["scenarios"][0]["steps"][0]["failure"]["phase"] == "authentication"
-- test: stdout-lacks rt-162-
-- test: stdout-lacks client-s3cr3t-0auth
-- test: within 10
step("revoked", { timeout = "30s" }, function()
  local rt = "rt-162-" .. run.id
  http.post(vars.IDP .. "/revoke", { form = { refresh_token = rt }, expect = 200 })
  local mb = mail.mailbox {
    url = vars.IMAP, user = "canary",
    oauth2 = { token_url = vars.IDP .. "/token", client_id = vars.CLIENT_ID, client_secret = vars.CLIENT_SECRET,
               refresh_token = rt },
  }
  mb:wait { subject = "never" }
end)
