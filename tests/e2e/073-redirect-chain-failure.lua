-- A failure after redirects names the request that failed, in full, and
-- how it got there: POST /app/chain → 302 → GET /app/forbidden → 403.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [http] GET $TT_HTTP/app/forbidden returned 403 (after POST /app/chain → 302; expected a status below 400)
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "http"
step("chain", function()
  http.post(vars.BASE .. "/app/chain", { body = "x=1", follow = true })
end)
