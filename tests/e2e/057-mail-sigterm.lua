-- SIGTERM while mail sessions block on silent servers: a mailbox whose
-- server accepted the connection and never greets, and a probe whose
-- connect gets no answer (20 s timeout).  Both are interrupted: the run
-- exits at once with 143 instead of waiting out the network timeouts.
-- test: args --var HOLE=$TT_BLACKHOLE_PORT --var FILTERED=$TT_FILTERED_PORT
-- test: signal TERM 1
-- test: exit 143
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "aborted"
-- test: within 4
step("blocked on silent servers", { timeout = "30s" }, function()
  mail.mailbox { url = "imap://127.0.0.1:" .. vars.HOLE .. "/INBOX", user = "canary", password = "x" }
  mail.probe { url = "smtp://127.0.0.1:" .. vars.FILTERED, timeout = "20s" }
end)
