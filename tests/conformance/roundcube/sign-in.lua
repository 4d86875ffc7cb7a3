-- Roundcube's sign-in against a real IMAP server: a wrong password is
-- refused by Dovecot and Roundcube says so; the right one opens the inbox.
scenario { name = "roundcube: sign in", tags = { "conformance", "roundcube" } }

local function sign_in_form()
  return http.get(vars.ROUNDCUBE_URL):html():form("//form[.//input[@name='_user']]")
end

step("a wrong password is refused", function()
  local resp = sign_in_form():submit({ _user = vars.IMAP_USER, _pass = "not-the-password" }, { expect = 401 })
  -- Roundcube says so from a script on the re-rendered sign-in page.
  expect(resp.body):contains("Login failed")
end)

step("the right password opens the inbox", function()
  local resp = sign_in_form():submit{ _user = vars.IMAP_USER, _pass = vars.IMAP_PASSWORD }
  expect(resp.url, "landed on"):contains("_task=mail")
  expect(resp:html():first("//title"), "page title"):contains("Inbox")
end)
