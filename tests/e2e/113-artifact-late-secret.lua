-- Artifacts are redacted with the secrets known when the step ends: a
-- temporary password read from a response and passed to secret() after
-- the response was saved is hidden in the saved file too.
-- test: args --var BASE=$TT_HTTP --artifacts $TT_DIR/artifacts
-- test: exit 0
-- test: json len(__import__("glob").glob("$TT_DIR/artifacts/*/*")) == 1
-- test: json all("Tmp-9f3k-Zq81" not in open(f).read() and "[REDACTED]" in open(f).read() for f in __import__("glob").glob("$TT_DIR/artifacts/*/*"))
step("reset password", function()
  local resp = http.post(vars.BASE .. "/echo/body", { body = "your temporary password: Tmp-9f3k-Zq81\n" })
  secret(resp.body:match("password: (%S+)"))
end)
