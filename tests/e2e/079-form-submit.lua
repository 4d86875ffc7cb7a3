-- form:submit sends what a browser sends: every successful control in
-- document order, fields overriding by name, the first submit button,
-- Referer and Origin; POST urlencoded, multipart or GET.
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
local page_url
local function page()
  page_url = vars.BASE .. "/static/forms.html"
  return http.get(page_url):html()
end

step("urlencoded, as the page has it", function()
  local resp = page():form("all"):submit({ password = "pw d" })
  local seen = resp:json()
  expect(seen.method):eq("POST")
  expect(seen.path):eq("/app/echo/all")
  expect(seen.query):eq("old=1") -- the action's own query stays on a POST
  expect(seen.content_type):eq("application/x-www-form-urlencoded")
  expect(seen.body):eq("csrf=tok+%26+1&user=alice&password=pw+d&remember=on&tags=a&tags=c&plan=pro&country=de"
    .. "&lang=English&topics=x&topics=z&bio=Hello%0D%0Aworld&avatar=&go=Sign+in")
  expect(seen.headers.referer):eq(page_url)
  expect(seen.headers.origin):eq(vars.BASE)
end)

step("overrides: false, lists, boxes, radios, selects, another button", function()
  local resp = page():form("all"):submit({
    remember = false, news = true, tags = { "b" }, plan = "free", country = "fr", lang = "Français",
    topics = { "y", "z" }, bio = "one\ntwo", user = { "bob", "carol" },
  }, { button = "alt" })
  expect(resp:json().body):eq("csrf=tok+%26+1&user=bob&user=carol&password=&news=yes&tags=b&plan=free&country=fr"
    .. "&lang=Fran%C3%A7ais&topics=y&topics=z&bio=one%0D%0Atwo&avatar=&alt=other")
  local extra = page():form("all"):submit({ newfield = "x", csrf = false }, { extra = true, button = "Sign in" })
  expect(extra:json().body):contains("&go=Sign+in&newfield=x")
  expect(extra:json().body):match("^user=alice")
end)

step("a value a box or select cannot take is an error", function()
  local form = page():form("all")
  for field, value in pairs({ plan = "gold", country = "it", tags = { "a", "zz" }, plan2 = nil }) do
    local ok, err = pcall(form.submit, form, { [field] = value })
    expect(ok, field):eq(false)
    expect(err.kind, field):eq("script")
    expect(err.message, field):contains("has no value")
  end
  local ok, err = pcall(form.submit, form, { plan = { "free", "pro" } })
  expect(err.message):contains('field "plan" takes one value')
  ok, err = pcall(form.submit, form, {}, { button = "nope" })
  expect(err.message):contains('has no submit button "nope"; its buttons: "go", "alt"')
  ok, err = pcall(form.submit, form, {}, { retries = 3 })
  expect(tostring(err)):contains("unknown form:submit option 'retries'")
end)

step("multipart", function()
  local resp = page():form("upload"):submit({ doc = { filename = "a.txt", content = "hello\n", type = "text/plain" } })
  local seen = resp:json()
  expect(seen.content_type):match("^multipart/form%-data; boundary=")
  expect(seen.parts):eq({
    { name = "title", value = "holiday" },
    { name = "photo", filename = "", type = "application/octet-stream", value = "" },
    { name = "doc", filename = "a.txt", type = "text/plain", value = "hello\n" },
  })
  expect(seen.headers.origin):eq(vars.BASE)
end)

step("a GET form replaces the action's query", function()
  local resp = page():form("search"):submit({ sort = "old" })
  local seen = resp:json()
  expect(seen.method):eq("GET")
  expect(seen.query):eq("q=caf%C3%A9+au+lait&sort=old")
  expect(resp.url):eq(vars.BASE .. "/app/echo/search?q=caf%C3%A9+au+lait&sort=old")
  expect(seen.headers.origin):eq(nil)
  expect(seen.headers.referer):eq(page_url)
end)
