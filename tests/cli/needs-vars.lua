-- The top level reads vars: check lists every one it needs, not just the first.
scenario { name = "needs vars", tags = { "mail" } }
local mb_opts = { url = vars.IMAP_URL, user = vars.MAIL_USER, password = vars.MAIL_PASSWORD }
step("wait", { timeout = vars_get("MAIL_WAIT", "30s") }, function()
  mail.mailbox(mb_opts):wait{ subject = "hello" }
end)
