-- A secret is hidden whole, and only what could be a secret is hidden:
-- overlapping secrets give one [REDACTED] (not "[REDACTED]def"), a short
-- secret hides a whole token only ("10000 attempts" stays), encoded
-- spellings are hidden too, a session cookie's value is a secret.
-- test: args --var BASE=$TT_HTTP --var API_TOKEN=pw-abc
-- test: exit 1
-- test: stdout-lacks pw-abc
-- test: stdout-lacks REDACTED]def
-- test: stdout-has 10000 attempts, [REDACTED] left
-- test: json r["scenarios"][0]["steps"][0]["failure"]["message"] == "got [REDACTED] and [REDACTED] (q=[REDACTED]), 10000 attempts, [REDACTED] left, cookie [REDACTED]"
-- test: json "pw-abc" not in str(r) and "abc123" not in str(r) and "%2B" not in str(r)
step("overlap", function()
  secret("pw-abcdef")
  secret("1000")
  secret("a+b c/d")
  http.get(vars.BASE .. "/cookie/set") -- session=abc123: a credential by its name
  fail("got pw-abcdef and pw-abc (q=a%2Bb%20c%2Fd), 10000 attempts, 1000 left, cookie abc123")
end)
