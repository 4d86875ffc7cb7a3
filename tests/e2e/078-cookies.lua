-- resp.cookies: each Set-Cookie of the response, parsed (Expires holds a
-- comma, so the joined header cannot be split); http.cookies(url): what the
-- jar would send there.  Cookie values stay out of the trace.
-- test: args --var BASE=$TT_HTTP --trace
-- test: exit 0
-- test: stderr-has < Set-Cookie:
-- test: stderr-lacks first=one
-- test: stderr-lacks "one"
step("cookies", function()
  local resp = http.get(vars.BASE .. "/app/cookies")
  expect(#resp.cookies):eq(3)
  expect(resp.cookies[1]):eq({ name = "first", value = "one", path = "/app", expires = "Wed, 21 Oct 2037 07:28:00 GMT",
    secure = false, httponly = true })
  expect(resp.cookies[2]):eq({ name = "second", value = "two", path = "/", expires = "Thu, 22 Oct 2037 07:28:00 GMT",
    secure = true, httponly = false, samesite = "Lax" })
  expect(resp.cookies[3].path):eq("/app/cookies/deeper")

  local sent = http.cookies(vars.BASE .. "/app/x")
  expect(#sent):eq(1) -- second is Secure: not over http; third is for a deeper path
  expect(sent[1].name):eq("first")
  expect(sent[1].value):eq("one")
  local deeper = http.cookies(vars.BASE .. "/app/cookies/deeper/page")
  expect(deeper[1].name):eq("third") -- the longest path first
  expect(deeper[2].name):eq("first")
  expect(http.cookies(vars.BASE .. "/other")):eq({})
  expect(#http.cookies((vars.BASE:gsub("^http:", "https:")) .. "/")):eq(1)
  local ok, err = pcall(http.cookies, "ftp://x/")
  expect(ok):eq(false)
  expect(tostring(err)):contains("an http:// or https:// URL expected")
end)
