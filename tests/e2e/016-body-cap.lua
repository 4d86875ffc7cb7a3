-- A response body over the cap fails the step with a clear message.
-- test: args --var BASE=$TT_HTTP --max-body 64k
-- test: exit 1
-- test: stdout-has response body exceeds the 65536-byte cap
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
step("small is fine", function()
  http.get(vars.BASE .. "/ok")
end)

step("2 MB is not", function()
  http.get(vars.BASE .. "/static/big.txt")
end)
