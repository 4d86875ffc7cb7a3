-- A wrong password is kind network (authentication), at once, never missing.
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX
-- test: exit 1
-- test: stdout-has [network] IMAP authentication failed for canary
-- test: stdout-lacks wrong-mail-pa55
-- test: within 10
step("log in", { timeout = "8s" }, function()
  mail.mailbox{ url = vars.IMAP, user = "canary", password = "wrong-mail-pa55" }:wait{ subject = "x" }
end)
