-- Password reset, end to end: the reset mail arrives, its one-time link
-- sets a new password, and from then on only the new password logs in.
scenario { name = "password reset", tags = { "mail" } }

step("an account to reset", { timeout = "10s" }, function(ctx)
  ctx.email = mail.address("canary@example.test")
  ctx.old, ctx.new = secret(unique("old-pw")), secret(unique("new-pw"))
  http.post(vars.BASE_URL .. "/signup", { form = { email = ctx.email, password = ctx.old }, expect = 201 })
end)

step("reset mail arrives", { timeout = vars.MAIL_WAIT or "30s" }, function(ctx)
  http.post(vars.BASE_URL .. "/password-reset", { form = { email = ctx.email } })
  local mb = mail.mailbox{ url = vars.IMAP_URL, user = vars.MAIL_USER, password = vars.MAIL_PASSWORD }
  local msg = mb:wait{ to = ctx.email, subject = "Reset your password" }
  ctx.link = msg:link("/reset%?token=")
end)

step("the link sets a new password", { timeout = "10s" }, function(ctx)
  -- The page's form carries the token as a hidden field.
  local form = http.get(ctx.link):html():form("reset")
  form.fields.password = ctx.new
  http.post(form.action, { form = form.fields })
  http.get(ctx.link, { expect = 404 }) -- the link works once
end)

step("only the new password logs in", { timeout = "10s" }, function(ctx)
  http.post(vars.BASE_URL .. "/login", { form = { email = ctx.email, password = ctx.new } })
  http.post(vars.BASE_URL .. "/login", { form = { email = ctx.email, password = ctx.old }, expect = 401 })
end)
