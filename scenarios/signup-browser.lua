-- Sign up through the JavaScript front end, in a real browser: the page,
-- its bundle and the API call it makes.  A bundle that 404s, a handler
-- that throws or a CSP that blocks the call fail here, while every HTTP
-- scenario (the API itself) still passes.
scenario { name = "signup in the browser", tags = { "browser" } }

step("sign up in the page", { timeout = "20s" }, function()
  local page = browser.page{ fail_on = { "js_error", "resource" } }
  page:visit(vars.BASE_URL .. "/app/")
  page:fill("#email", unique("browser") .. "@example.test")
  page:fill("#password", secret(unique("pw")))
  page:click("#submit")
  page:wait_for{ selector = "#result", text = "Check your inbox", timeout = "10s" }
end)
