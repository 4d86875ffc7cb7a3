-- A redirect to anything but http(s) is not followed: kind http, naming the URL.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [http] redirect to ftp://127.0.0.1/file.txt, which is not an http(s) URL (after GET /app/redirect?status=302&to=ftp://127.0.0.1/file.txt → 302)
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "http"
step("not followed, the 302 is returned", function()
  local resp = http.get(vars.BASE .. "/app/redirect?status=302&to=ftp://127.0.0.1/file.txt")
  expect(resp.status):eq(302)
end)

step("followed: refused", function()
  http.get(vars.BASE .. "/app/redirect?status=302&to=ftp://127.0.0.1/file.txt", { follow = true })
end)
