-- WordPress's "Lost your password?": the reset mail arrives (wp_mail through
-- sendmail), its link's form sets a new password, and it signs in.
scenario { name = "wordpress: password reset", tags = { "conformance", "wordpress" } }

local EMAIL = "canary+wp-bob@example.test"

step("ask for a reset", function()
  local form = http.get(vars.WORDPRESS_URL .. "/wp-login.php?action=lostpassword"):html():form("lostpasswordform")
  local resp = form:submit{ user_login = "bob" }
  expect(resp:html():first("//p[contains(@class, 'message')]"), "WordPress's message"):contains("Check your email for the confirmation link")
end)

step("the reset mail arrives", { timeout = "20s" }, function(ctx)
  local mb = mail.mailbox{ url = vars.IMAP_URL, user = vars.IMAP_USER, password = vars.IMAP_PASSWORD }
  local msg = mb:wait{ to = EMAIL, subject = "Password Reset" }
  ctx.link = secret(msg:link("action=rp")) -- a one-time credential: kept out of reports
end)

step("its link sets a new password", function(ctx)
  ctx.password = secret(unique("pw"))
  local form = http.get(ctx.link, { follow = true }):html():form("resetpassform")
  -- pass2 is hidden by CSS and filled from pass1 by WordPress's script in a
  -- browser; without it, WordPress answers "The passwords do not match."
  local resp = form:submit{ pass1 = ctx.password, pass2 = ctx.password }
  expect(resp:html():first("//p[contains(@class, 'message')]"), "WordPress's message"):contains("Your password has been reset")
end)

step("the new password signs in", function(ctx)
  local form = http.get(vars.WORDPRESS_URL .. "/wp-login.php"):html():form("loginform")
  local resp = form:submit{ log = "bob", pwd = ctx.password }
  expect(resp:html():first("//*[@id='wp-admin-bar-my-account']//*[@class='display-name']"), "signed in as"):eq("bob")
end)
