-- Sign up, receive the confirmation e-mail, follow its link, and see the
-- account confirmed in the database: the flow and every side effect.
scenario { name = "signup and confirm", tags = { "mail", "db" } }

step("sign up", { timeout = "10s" }, function(ctx)
  -- A plus-address unique to this run: concurrent runs never see each other's mail.
  ctx.email = mail.address("canary@example.test")
  http.post(vars.BASE_URL .. "/signup", {
    form = { email = ctx.email, password = secret(unique("pw")) },
    expect = 201,
  })
end)

step("confirmation mail arrives", { timeout = vars.MAIL_WAIT or "30s" }, function(ctx)
  local mb = mail.mailbox{ url = vars.IMAP_URL, user = vars.MAIL_USER, password = vars.MAIL_PASSWORD }
  local msg = mb:wait{ to = ctx.email, subject = "Confirm your account" }
  ctx.link = msg:link("/confirm%?token=")
end)

step("the link confirms the account", { timeout = "10s" }, function(ctx)
  expect(http.get(ctx.link).body):contains("confirmed")
  local h = db.connect(vars.DB_DSN)
  h:wait("SELECT confirmed_at FROM users WHERE email = $1", { ctx.email },
    function(row) return row.confirmed_at ~= db.null end)
end)
