-- Tokens that die after 3 s but claim an hour (a provider that revokes
-- early): after the kick the mailbox signs in with its cached token, the
-- server refuses it, the token is replaced once and the wait goes on.
-- Two grants at the provider, and the wait succeeds.
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var IDP=$TT_OAUTH_URL --var CLIENT_ID=$TT_OAUTH_CLIENT_ID --var CLIENT_SECRET=$TT_OAUTH_CLIENT_SECRET
-- test: background sleep 4; mail_kick canary; sleep 0.5; echo "after the kick" | mail_send canary+oauth165@example.test "oauth 165 after the kick" -
-- test: exit 0
-- test: within 25
step("the wait outlives its token", { timeout = "20s" }, function()
  local before = http.get(vars.IDP .. "/count"):json().introspect
  local rt = "rt-lie3-165-" .. run.id
  local mb = mail.mailbox {
    url = vars.IMAP, user = "canary",
    oauth2 = { token_url = vars.IDP .. "/token", client_id = vars.CLIENT_ID, client_secret = vars.CLIENT_SECRET,
               refresh_token = rt },
  }
  local msg = mb:wait { to = "canary+oauth165@example.test", subject = "oauth 165 after the kick" }
  expect(msg.text):contains("after the kick")
  local count = http.get(vars.IDP .. "/count?refresh_token=" .. rt):json().token
  expect(count):eq(2)
  -- Cached token refused, fresh one accepted: three introspections.
  expect(http.get(vars.IDP .. "/count"):json().introspect - before):eq(3)
end)
