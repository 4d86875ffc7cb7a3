-- Django's admin sign-in (contrib.auth's LoginView with the admin's form and
-- CSRF protection), as a person fills it in: a wrong password is refused,
-- the right one reaches the admin, and Django records the sign-in.
scenario { name = "django: sign in", tags = { "conformance", "django" } }

local function sign_in_form()
  return http.get(vars.DJANGO_URL .. "/admin/login/?next=/admin/"):html():form("login-form")
end

step("a wrong password is refused", function()
  local resp = sign_in_form():submit{ username = "alice", password = "not-alices-password" }
  expect(resp.url, "still on the sign-in page"):contains("/admin/login/")
  expect(resp:html():first("//p[@class='errornote']"), "the form's error"):contains("Please enter the correct username and password")
end)

step("the right password signs in", function()
  local resp = sign_in_form():submit{ username = "alice", password = vars.DJANGO_ALICE_PASSWORD }
  expect(resp.url, "landed on"):match("/admin/$")
  expect(resp:html():first("//title"), "page title"):contains("Site administration")
end)

step("the sign-in is recorded in PostgreSQL", function()
  local h = db.connect(vars.DJANGO_DB)
  h:fresh("SELECT last_login FROM auth_user WHERE username = 'alice'", "1m")
end)
