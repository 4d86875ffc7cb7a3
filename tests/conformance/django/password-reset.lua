-- Django's password reset (PasswordResetView and friends, the admin's
-- templates): the mail goes out over SMTP, its link opens the set-password
-- form, the new password signs in, the hash in PostgreSQL changed, and the
-- link works only once.
scenario { name = "django: password reset", tags = { "conformance", "django" } }

local EMAIL = "canary+django-bob@example.test"

step("ask for a reset", function(ctx)
  local h = db.connect(vars.DJANGO_DB)
  ctx.old_hash = h:value("SELECT md5(password) FROM auth_user WHERE username = 'bob'")
  local form = http.get(vars.DJANGO_URL .. "/accounts/password_reset/"):html():form("//form[.//input[@name='email']]")
  local resp = form:submit{ email = EMAIL }
  expect(resp:html():first("//title"), "page title"):contains("Password reset sent")
end)

step("the reset mail arrives", { timeout = "20s" }, function(ctx)
  local mb = mail.mailbox{ url = vars.IMAP_URL, user = vars.IMAP_USER, password = vars.IMAP_PASSWORD }
  local msg = mb:wait{ to = EMAIL, subject = "Password reset on" }
  expect(msg.text):contains("Your username, in case you’ve forgotten: bob")
  ctx.link = secret(msg:link("/accounts/reset/")) -- a one-time credential: kept out of reports
end)

step("its link sets a new password", function(ctx)
  ctx.password = secret(unique("pw"))
  -- The link redirects to a URL without the token (kept in the session).
  local form = http.get(ctx.link, { follow = true }):html():form("//form[.//input[@name='new_password1']]")
  local resp = form:submit{ new_password1 = ctx.password, new_password2 = ctx.password }
  expect(resp:html():first("//title"), "page title"):contains("Password reset complete")
end)

step("the new password signs in", function(ctx)
  local form = http.get(vars.DJANGO_URL .. "/accounts/login/"):html():form("login-form")
  local resp = form:submit{ username = "bob", password = ctx.password }
  expect(resp.body):eq("Signed in as bob\n")
end)

step("the stored hash changed", function(ctx)
  local h = db.connect(vars.DJANGO_DB)
  expect(h:value("SELECT md5(password) FROM auth_user WHERE username = 'bob'"), "password hash"):ne(ctx.old_hash)
end)

step("the link works only once", function(ctx)
  local resp = http.get(ctx.link, { follow = true })
  expect(resp:html():first("//title"), "page title"):contains("Password reset unsuccessful")
end)
