-- A server that accepts TCP and never answers ends the step at its deadline
-- (plus 100 ms), with kind timeout and the phase named.
-- test: args --var PORT=$TT_BLACKHOLE_PORT
-- test: exit 1
-- test: stdout-has [timeout] step did not finish within 1s (its timeout) while waiting for response to GET
-- test: json r["scenarios"][0]["steps"][0]["duration_ms"] < 1100
-- test: json r["scenarios"][0]["steps"][0]["failure"]["phase"].startswith("waiting for response")
-- test: within 3
step("black hole", { timeout = "1s" }, function()
  http.get("http://127.0.0.1:" .. vars.PORT .. "/")
end)
