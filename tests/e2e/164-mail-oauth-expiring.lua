-- Tokens that live 3 s (expires_in 3): the connection is dropped (doveadm
-- kick) 4 s into the wait; the mailbox reconnects, sees its cached token
-- is past its time, fetches a fresh one and finds the mail sent after the
-- kick.  Two grants at the provider: the first session's and the new one.
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var IDP=$TT_OAUTH_URL --var CLIENT_ID=$TT_OAUTH_CLIENT_ID --var CLIENT_SECRET=$TT_OAUTH_CLIENT_SECRET
-- test: background sleep 4; mail_kick canary; sleep 0.5; echo "after the kick" | mail_send canary+oauth164@example.test "oauth 164 after the kick" -
-- test: exit 0
-- test: within 25
step("the wait outlives its token", { timeout = "20s" }, function()
  local before = http.get(vars.IDP .. "/count"):json().introspect
  local rt = "rt-ttl3-164-" .. run.id
  local mb = mail.mailbox {
    url = vars.IMAP, user = "canary",
    oauth2 = { token_url = vars.IDP .. "/token", client_id = vars.CLIENT_ID, client_secret = vars.CLIENT_SECRET,
               refresh_token = rt },
  }
  local msg = mb:wait { to = "canary+oauth164@example.test", subject = "oauth 164 after the kick" }
  expect(msg.text):contains("after the kick")
  local count = http.get(vars.IDP .. "/count?refresh_token=" .. rt):json().token
  expect(count):eq(2)
  -- Renewed before it was refused: two sign-ins, two introspections.
  expect(http.get(vars.IDP .. "/count"):json().introspect - before):eq(2)
end)
