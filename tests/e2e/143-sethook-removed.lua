-- With --unsafe-lua the debug library is there and debug.sethook() removes
-- the count hook; the watchdog sets it again at the deadline, so a 5 s busy
-- wait in a 1 s step fails `timeout` in time (it passed after 5 s).
-- test: args --unsafe-lua
-- test: exit 1
-- test: stdout-has [timeout] step did not finish within 1s (its timeout) while running Lua code at
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "timeout"
-- test: within 3
step("hook removed", { timeout = "1s" }, function()
  debug.sethook()
  local t0 = os.clock()
  while os.clock() - t0 < 5 do end
end)
