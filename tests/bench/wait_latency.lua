-- The wait-latency benchmark's scenario: h:wait for a row that a separate
-- process inserts; the row's own timestamp says when it was committed.
step("wait", { timeout = "30s" }, function()
  local h = db.connect(vars.DSN)
  local row = h:wait("SELECT EXTRACT(EPOCH FROM (clock_timestamp() - created_at)) * 1000 AS lag_ms FROM users WHERE email = $1",
    { vars.EMAIL })
  log(string.format("lag_ms=%.1f", row.lag_ms))
end)
