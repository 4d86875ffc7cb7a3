-- eventually: retries until truthy; on expiry, kind missing with the last
-- error, inside the step deadline.
-- test: exit 1
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "missing"
-- test: json "expected 1, got 0" in r["scenarios"][0]["steps"][1]["failure"]["detail"]
-- test: stdout-has [missing] row not met after
-- test: within 4
step("arrives", function()
  local n = 0
  local v = eventually(function()
    n = n + 1
    return n >= 3 and "here"
  end, { interval = "10ms" })
  expect(v):eq("here")
end)

step("never arrives", { timeout = "1s" }, function()
  eventually(function()
    expect(0):eq(1)
  end, { interval = "50ms", message = "row" })
end)
