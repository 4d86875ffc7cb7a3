-- WordPress registration: a visitor registers, WordPress mails a link to
-- set a password, the link's form sets it, and the new account signs in.
scenario { name = "wordpress: sign up", tags = { "conformance", "wordpress" } }

step("register", function(ctx)
  ctx.login = unique("user"):gsub("-", "_")
  ctx.email = mail.address("canary@example.test")
  local form = http.get(vars.WORDPRESS_URL .. "/wp-login.php?action=register"):html():form("registerform")
  local resp = form:submit{ user_login = ctx.login, user_email = ctx.email }
  expect(resp:html():first("//p[contains(@class, 'message')]"), "WordPress's message"):contains("Registration complete")
end)

step("the set-password mail arrives", { timeout = "20s" }, function(ctx)
  local mb = mail.mailbox{ url = vars.IMAP_URL, user = vars.IMAP_USER, password = vars.IMAP_PASSWORD }
  local msg = mb:wait{ to = ctx.email, subject = "Login Details" }
  expect(msg.text):contains("Username: " .. ctx.login)
  ctx.link = secret(msg:link("action=rp")) -- a one-time credential: kept out of reports
end)

step("its link sets a password", function(ctx)
  ctx.password = secret(unique("pw"))
  -- The link redirects to a URL without the key (kept in a cookie).
  local form = http.get(ctx.link, { follow = true }):html():form("resetpassform")
  -- pass2 is hidden by CSS and filled from pass1 by WordPress's script in a
  -- browser; without it, WordPress answers "The passwords do not match."
  local resp = form:submit{ pass1 = ctx.password, pass2 = ctx.password }
  expect(resp:html():first("//p[contains(@class, 'message')]"), "WordPress's message"):contains("Your password has been reset")
end)

step("the new account signs in", function(ctx)
  local form = http.get(vars.WORDPRESS_URL .. "/wp-login.php"):html():form("loginform")
  local resp = form:submit{ log = ctx.login, pwd = ctx.password }
  expect(resp.url, "landed on"):contains("/wp-admin/")
  expect(resp:html():first("//*[@id='wp-admin-bar-my-account']//*[@class='display-name']"), "signed in as"):eq(ctx.login)
end)
