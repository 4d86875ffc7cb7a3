-- A loop of long C calls (each gsub over 2 MB takes milliseconds and counts
-- as one instruction) is stopped at its deadline: the hook checks every
-- 1,000 instructions and the watchdog forces a check at the deadline
-- (1,000 gsub in a 1 s step ran for 20 s, then passed).
-- test: exit 1
-- test: stdout-has [timeout] step did not finish within 1s (its timeout)
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "timeout"
-- test: within 3
step("gsub storm", { timeout = "1s" }, function()
  local s = ("x"):rep(2 * 1024 * 1024)
  for _ = 1, 1000 do s = s:gsub("x", "x") end
end)
