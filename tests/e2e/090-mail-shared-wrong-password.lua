-- A mailbox with the wrong password is never served by the connection a
-- right password opened (they shared it when mailboxes were keyed on
-- host:port/user/folder only): it fails at once with kind network, phase
-- authentication, while the right one stays connected.
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var MAIL_PASSWORD=$TT_MAIL_PASSWORD
-- test: exit 1
-- test: json [s["status"] for s in r["scenarios"][0]["steps"]] == ["passed", "failed"]
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "network"
-- test: json r["scenarios"][0]["steps"][1]["failure"]["phase"] == "authentication"
-- test: stdout-has IMAP authentication failed for canary
-- test: stdout-lacks mail-s3cr3t-pa55
-- test: stdout-lacks wrong-pa55word
-- test: within 15
step("the right password connects", { timeout = "8s" }, function()
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD }
  while not mb:_status():find("^connected") do mb:_changed(500) end
end)

step("the wrong one is refused, whatever else is connected", { timeout = "8s" }, function()
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = "wrong-pa55word" }
  mb:wait { subject = "anything", timeout = "5s" }
end)
