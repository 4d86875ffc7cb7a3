-- TLS certificates are verified: a self-signed one fails with kind network
-- (phase tls) unless the request says insecure = true.
-- test: args --var "BASE=$TT_HTTPS"
-- test: exit 1
-- test: stdout-has [network] TLS:
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["steps"][1]["failure"]["phase"] == "tls"
step("insecure = true accepts it", function()
  local resp = http.get(vars.BASE .. "/ok", { insecure = true })
  expect(resp.body):eq("hello over tls\n")
  expect(resp.timings.tls):gt(0)
end)

step("verified by default", function()
  http.get(vars.BASE .. "/ok")
end)
