-- Mail that never comes: kind missing, how many messages arrived, and the
-- near misses with the criterion each one failed; mail for another
-- plus-address never matches.
-- test: args --var BASE=$TT_HTTP --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var MAIL_PASSWORD=$TT_MAIL_PASSWORD
-- test: exit 1
-- test: stdout-has [missing] no message with to "
-- test: json "near miss: uid" in r["scenarios"][0]["steps"][0]["failure"]["detail"]
-- test: json 'subject "Your password was reset" does not contain "Password reset"' in r["scenarios"][0]["steps"][0]["failure"]["detail"]
-- test: json "does not contain" in r["scenarios"][0]["steps"][0]["failure"]["detail"]
-- test: within 12
step("wrong subject, and mail for someone else", { timeout = "4s" }, function()
  local me, other = mail.address("canary@example.test"), mail.address("canary@example.test")
  http.post(vars.BASE .. "/mail", { expect = 202, json = { to = me, subject = "Your password was reset" } })
  http.post(vars.BASE .. "/mail", { expect = 202, json = { to = other, subject = "Password reset" } })
  local mb = mail.mailbox{ url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD }
  mb:wait{ to = me, subject = "Password reset" }
end)
