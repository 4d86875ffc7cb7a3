-- Redirects followed as a browser follows them (RFC 9110 §15.4, Fetch):
-- 301/302 after POST and 303 after anything but HEAD continue as GET without
-- the body and its headers; 307/308 keep method and body; 301/302 keep PUT.
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
step("every status with every method", function()
  for _, status in ipairs({ 301, 302, 303, 307, 308 }) do
    for _, method in ipairs({ "POST", "PUT", "GET" }) do
      local url = vars.BASE .. "/app/redirect?status=" .. status .. "&to=/app/echo/target"
      local resp = http.request{
        method = method, url = url, follow = true,
        body = method ~= "GET" and "payload=1" or nil,
        headers = { ["Content-Type"] = "text/x-test" },
      }
      local to_get = ((status == 301 or status == 302) and method == "POST") or status == 303
      local want = to_get and "GET" or method
      local seen = resp:json()
      local what = method .. " → " .. status
      expect(seen.method, what):eq(want)
      expect(resp.method, what):eq(want)
      expect(seen.path, what):eq("/app/echo/target")
      expect(resp.url, what):eq(vars.BASE .. "/app/echo/target")
      if method ~= "GET" and not to_get then
        expect(seen.body, what):eq("payload=1")
        expect(seen.content_type, what):eq("text/x-test")
      else
        expect(seen.body, what):eq("")
        expect(seen.content_type, what):eq(nil)
        expect(seen.content_length, what):eq(nil)
      end
      expect(resp.redirects, what):eq({ { status = status, method = method, url = url } })
    end
  end
end)

step("no redirects: an empty list", function()
  expect(http.get(vars.BASE .. "/ok").redirects):eq({})
  local resp = http.get(vars.BASE .. "/app/redirect?status=303&to=/ok")
  expect(resp.status):eq(303)
  expect(resp.redirects):eq({})
end)
