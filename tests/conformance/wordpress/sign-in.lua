-- WordPress's wp-login.php: a wrong password is refused with WordPress's
-- own message, the right one reaches the dashboard.
scenario { name = "wordpress: sign in", tags = { "conformance", "wordpress" } }

local function sign_in_form()
  return http.get(vars.WORDPRESS_URL .. "/wp-login.php"):html():form("loginform")
end

step("a wrong password is refused", function()
  local resp = sign_in_form():submit{ log = "alice", pwd = "not-alices-password" }
  expect(resp:html():first("//*[@id='login_error']"), "WordPress's error"):contains("The password you entered for the username alice is incorrect")
end)

step("the right password reaches the dashboard", function()
  local resp = sign_in_form():submit{ log = "alice", pwd = vars.WORDPRESS_ALICE_PASSWORD }
  expect(resp.url, "landed on"):contains("/wp-admin/")
  expect(resp:html():first("//title"), "page title"):contains("Dashboard")
end)
