-- Bodies as a browser reads them: gzip, deflate and brotli are negotiated
-- and decoded (resp.body and resp:text() are the decoded text).
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
step("decoded", function()
  local want = string.rep("compressed hello ", 100)
  for _, enc in ipairs({ "gzip", "deflate", "br" }) do
    local resp = http.get(vars.BASE .. "/app/" .. enc)
    expect(resp.headers["content-encoding"], enc):eq(enc)
    expect(resp.body, enc):eq(want)
    expect(resp:text(), enc):eq(want)
  end
end)
