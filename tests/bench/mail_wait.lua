-- One of many scenarios waiting on the same mailbox, each for its own
-- plus-address (the concurrent-waits benchmark).
step("wait", { timeout = "120s" }, function()
  local n = run.file:match("w(%d+)%.lua$")
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.PASSWORD }
  mb:wait { to = "canary+" .. vars.TAG .. "-" .. n .. "@example.test" }
end)
