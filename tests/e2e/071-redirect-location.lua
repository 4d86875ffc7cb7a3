-- Relative and absolute Location headers, and a redirect to another host
-- (127.0.0.1 → localhost): followed, the cookie jar kept, and an
-- Authorization header the scenario set is not sent to the other host.
-- test: args --var BASE=$TT_HTTP --var PORT=$TT_HTTP_PORT
-- test: exit 0
step("relative, absolute, another host", function()
  local rel = http.get(vars.BASE .. "/app/redirect?status=302&to=../app/echo/relative", { follow = true })
  expect(rel:json().path):eq("/app/echo/relative")
  expect(rel.url):eq(vars.BASE .. "/app/echo/relative")

  local abs = http.get(vars.BASE .. "/app/redirect?status=301&to=" .. vars.BASE .. "/app/echo/absolute",
    { follow = 5 })
  expect(abs:json().path):eq("/app/echo/absolute")

  local other = "http://localhost:" .. vars.PORT .. "/app/echo/other"
  local auth = { Authorization = "Bearer xyz-token" }
  local same = http.get(vars.BASE .. "/app/redirect?status=302&to=/app/echo/same", { follow = true, headers = auth })
  expect(same:json().headers.authorization):eq("Bearer xyz-token")
  local moved = http.get(vars.BASE .. "/app/redirect?status=307&to=" .. other, { follow = true, headers = auth })
  local seen = moved:json()
  expect(seen.headers.host):eq("localhost:" .. vars.PORT)
  expect(seen.headers.authorization):eq(nil)
  expect(moved.url):eq(other)
  expect(moved.redirects[1].url):eq(vars.BASE .. "/app/redirect?status=307&to=" .. other)
end)
