-- Secrets never appear: not in the console, the trace, the reports or the
-- artifacts — whether they came from a credential-named var, a URL password
-- or an Authorization header.
-- test: args --var BASE=$TT_HTTP --var API_PASSWORD=s3cr3t-pa55 --var "FORM_PASSWORD=p@ss w0rd/1" --var BASE_URL=http://auth.example.test --trace --artifacts $TT_DIR/artifacts -v
-- test: exit 1
-- test: stdout-lacks s3cr3t-pa55
-- test: stderr-lacks s3cr3t-pa55
-- test: stderr-has Authorization: [REDACTED]
-- test: json "s3cr3t-pa55" not in str(r)
-- test: json "[REDACTED]" in r["scenarios"][0]["steps"][0]["failure"]["message"]
-- test: stderr-lacks p%40ss%20w0rd%2F1
-- test: stderr-lacks abc123
-- test: stdout-has base is http://auth.example.test
step("leaky", function()
  -- a URL that merely contains a credential-like word is not a secret
  log("base is " .. vars.BASE_URL)
  -- a password in a form body and a session cookie stay hidden in the trace
  http.post(vars.BASE .. "/echo/body", { form = { password = vars.FORM_PASSWORD } })
  http.get(vars.BASE .. "/cookie/set")
  local resp = http.get(vars.BASE .. "/echo/headers", {
    headers = { Authorization = "Bearer " .. vars.API_PASSWORD },
  })
  log("server saw:", resp.body)
  local url = vars.BASE:gsub("http://", "http://canary:" .. vars.API_PASSWORD .. "@")
  http.get(url .. "/ok")
  fail("password was " .. vars.API_PASSWORD)
end)
