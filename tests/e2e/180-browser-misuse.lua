-- Misuse raises at once, at the caller's line, naming the problem.
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
-- test: within 30
local function err_of(fn, ...)
  local ok, e = pcall(fn, ...)
  expect(ok):eq(false)
  return tostring(e)
end

step("misuse", function()
  expect(err_of(browser.page, { fail_on = { "js_eror" } })):match("unknown fail_on 'js_eror' %(expected: js_error, resource%)")
  expect(err_of(browser.page, { viewprt = {} })):match("unknown browser.page option 'viewprt'")
  expect(err_of(browser.page, { viewport = { width = "800" } })):match("viewport must be")
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser.html")
  expect(err_of(page.visit, page, vars.BASE, { wait_until = "idle" })):match("unknown wait_until 'idle'")
  expect(err_of(page.visit, page, vars.BASE, { wait = "load" })):match("unknown page:visit option 'wait'")
  expect(err_of(page.press, page, "Enterr")):match("unknown key 'Enterr'")
  expect(err_of(page.wait_for, page, {})):match("give selector, text, url or gone")
  expect(err_of(page.wait_for, page, { selctor = "#x" })):match("unknown page:wait_for option 'selctor'")
  expect(err_of(page.fill, page, "#missing", "x")):match("page:fill: no element matches '#missing'")
  expect(err_of(page.click, page, "##bad")):match("page:click: invalid selector '##bad'")
  expect(err_of(page.select, page, "#plan", "gold")):match("has no option \"gold\" %(options: free, pro%)")
  expect(err_of(page.fill, page, "#go", "x")):match("is not a text field")
  expect(err_of(page.eval, page, "nope()")):match("page:eval: ReferenceError: nope is not defined")
  expect(err_of(page.url, page, "extra")):match("page:url")
  page:close()
  expect(err_of(page.text, page, "#title")):match("attempt to use a closed page")
  do
    local scoped <close> = browser.page{}
    scoped:visit(vars.BASE .. "/static/browser.html")
  end
end)
