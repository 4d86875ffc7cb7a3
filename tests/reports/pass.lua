-- Passes: two HTTP requests (one over TLS) and a log line with markup.
scenario { name = "health <b>check</b>", tags = { "smoke" } }
step("home page", function()
  local resp = http.get(vars.BASE .. "/ok")
  log("got <i>" .. resp.status .. "</i> & fine")
end)
step("tls", function()
  http.get(vars.TLS .. "/ok", { insecure = true })
end)
