-- A redirect loop fails with kind http, naming the chain it went round.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [http] too many redirects (more than 3): GET /redirect-loop → 302, GET /redirect-loop → 302, GET /redirect-loop → 302, GET /redirect-loop → 302
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "http"
step("loop", function()
  http.get(vars.BASE .. "/redirect-loop", { follow = 3 })
end)
