-- insecure = true on one mailbox does not carry over to a later one with
-- the certificate checked: that one gets its own connection, and the
-- self-signed certificate fails it (kind network, phase tls).
-- test: args --var IMAPS=imaps://127.0.0.1:$TT_IMAPS_PORT/INBOX --var MAIL_PASSWORD=$TT_MAIL_PASSWORD
-- test: exit 1
-- test: json [s["status"] for s in r["scenarios"][0]["steps"]] == ["passed", "failed"]
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "network"
-- test: json r["scenarios"][0]["steps"][1]["failure"]["phase"] == "tls"
-- test: stdout-has is not trusted
-- test: within 15
step("insecure connects", { timeout = "8s" }, function()
  local mb = mail.mailbox { url = vars.IMAPS, user = "canary", password = vars.MAIL_PASSWORD, insecure = true }
  while not mb:_status():find("^connected") do mb:_changed(500) end
end)

step("the same server, certificate checked", { timeout = "8s" }, function()
  local mb = mail.mailbox { url = vars.IMAPS, user = "canary", password = vars.MAIL_PASSWORD }
  mb:wait { subject = "anything", timeout = "5s" }
end)
