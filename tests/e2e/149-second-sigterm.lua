-- A second SIGTERM exits at once whatever Lua is doing — here a __gc
-- metamethod that never returns, where no hook runs — with the reports
-- written for what finished (both signals were ignored: it hung for ever).
-- test: signal TERM 1
-- test: background sleep 1.5; kill -TERM $(pgrep -f "^$BIN run --json $TT_DIR/report.json")
-- test: exit 143
-- test: stderr-has SIGTERM received twice while scenario 149-second-sigterm ran Lua code that cannot be interrupted
-- test: json r["interrupted_by"] == "SIGTERM"
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "aborted"
-- test: json "second signal" in r["scenarios"][0]["steps"][1]["failure"]["message"]
-- test: within 3
step("quick", function() end)

step("stuck in __gc", { timeout = "60s" }, function()
  setmetatable({}, { __gc = function() while true do end end })
  collectgarbage()
end)
