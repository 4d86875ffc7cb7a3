-- --artifacts saves every hop of a redirect chain, each request (line and
-- headers sent) with its own response.
-- test: args --var BASE=$TT_HTTP --artifacts $TT_DIR/artifacts
-- test: exit 0
-- test: json sorted(__import__("os").path.basename(p).split("-", 2)[2] for p in __import__("glob").glob("$TT_DIR/artifacts/083-redirect-artifacts/*")) == ["GET-200.http", "GET-200.http", "POST-302.http"]
-- test: json any("POST /app/login HTTP/1.1" in open(p).read() and "Location: /app/dashboard" in open(p).read() for p in __import__("glob").glob("$TT_DIR/artifacts/083-redirect-artifacts/*POST-302*"))
-- test: json any("GET /app/dashboard HTTP/1.1" in open(p).read() and "<h1>Welcome</h1>" in open(p).read() and "s3cr3t-session" not in open(p).read() for p in __import__("glob").glob("$TT_DIR/artifacts/083-redirect-artifacts/*GET-200*"))
step("login", function()
  local page = http.get(vars.BASE .. "/static/forms.html")
  page:html():form("login"):submit({ user = "canary", password = "s3cr3t-pa55" })
end)
