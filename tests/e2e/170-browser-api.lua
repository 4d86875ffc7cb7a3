-- The page API against a real Chromium: visit, fill, select, click,
-- wait_for (selector, text, gone, url), text, attr, eval, url, press,
-- screenshot; the console line lands in the step's log only as a note
-- when it is an error, so a clean page logs nothing.
-- test: args --var BASE=$TT_HTTP --var DIR=$TT_DIR
-- test: exit 0
-- test: json r["scenarios"][0]["status"] == "passed"
-- test: json not any("browser:" in l for s in r["scenarios"][0]["steps"] for l in s["logs"])
-- test: within 30
step("sign up", function()
  local page = browser.page{ viewport = { width = 800, height = 600 }, fail_on = { "js_error", "resource" } }
  page:visit(vars.BASE .. "/static/browser.html")
  expect(page:text("#title")):eq("Sign up")
  expect(page:attr("#title", "data-step")):eq("one")
  expect(page:attr("#title", "data-none")):eq(nil)
  page:fill("#name", "Ada")
  page:fill("#email", "ada@example.com")
  page:select("#plan", "Pro")
  page:click("#go")
  page:wait_for{ selector = "#welcome", text = "Welcome" }
  page:wait_for{ gone = "#spinner" }
  expect(page:text("#welcome")):eq("Welcome, Ada (pro)")
  expect(page:eval("document.getElementById('email').value")):eq("ada@example.com")
  expect(page:eval("({ a = 1 })" == "" and 0 or "[1, 'two', {\"k\": true}]")):eq({ 1, "two", { k = true } })
  expect(page:eval("Promise.resolve(6 * 7)")):eq(42)
  expect(page:eval("window.innerWidth")):eq(800)
  expect(page:eval("undefined")):eq(nil)
  page:press("Escape")
  page:wait_for{ text = "Escaped" }
  local png = page:screenshot()
  expect(png:sub(2, 4)):eq("PNG")
  expect(page:screenshot(vars.DIR .. "/170-shot.png")):eq(vars.DIR .. "/170-shot.png")
end)

step("navigate by click", function()
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser.html", { wait_until = "networkidle" })
  page:click("#next")
  page:wait_for{ url = "browser-next.html", selector = "#title" }
  expect(page:url()):eq(vars.BASE .. "/static/browser-next.html")
  expect(page:text("#title")):eq("Second page")
  page:close()
end)
