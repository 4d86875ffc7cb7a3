-- retries wait between attempts (retry_delay, doubling), so a retry can
-- outlive a transient blip: here the "service" heals 500 ms after the
-- first attempt; back-to-back retries would all fail before that.
-- test: exit 0
-- test: json r["scenarios"][0]["steps"][0]["attempts"] == 3
-- test: json "next attempt in 200ms" in r["scenarios"][0]["steps"][0]["logs"][0]
-- test: json "next attempt in 400ms" in r["scenarios"][0]["steps"][0]["logs"][1]
local first
step("flaky", { retries = 3, retry_delay = "200ms" }, function()
  first = first or telltale.now()
  expect(telltale.now() - first, "ms since the first attempt"):ge(500)
end)
