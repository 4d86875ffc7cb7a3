-- Nothing listens: kind network, the reason is "connection refused".
-- test: args --var PORT=$TT_CLOSED_PORT
-- test: exit 1
-- test: stdout-has [network] connection refused: 127.0.0.1:
-- test: json r["scenarios"][0]["steps"][0]["failure"]["phase"] == "connect"
-- test: within 5
step("connect", function()
  http.get("http://127.0.0.1:" .. vars.PORT .. "/")
end)
