-- A server that never ends a line is cut off at the line cap, quickly and
-- with a message saying so — not read into memory for as long as it sends
-- (2.2 GB in 5 s before).  IMAP lines, IMAP literals and SMTP replies alike.
-- test: args --var P1=$(free_port | tee $TT_DIR/p1) --var P2=$(free_port | tee $TT_DIR/p2) --var P3=$(free_port | tee $TT_DIR/p3)
-- test: background python3 $HERE/mail/hostile.py imap-endless $(cat $TT_DIR/p1) & python3 $HERE/mail/hostile.py smtp-endless $(cat $TT_DIR/p2) & python3 $HERE/mail/hostile.py imap-literal $(cat $TT_DIR/p3) & wait
-- test: exit 0
-- test: within 25
local function up(port)
  for _ = 1, 100 do
    if pcall(net.tcp, { host = "127.0.0.1", port = tonumber(port), timeout = "200ms" }) then return end
    sleep("100ms")
  end
  error("hostile server on " .. port .. " never came up")
end

local function failure_of(opts)
  local ok, err = pcall(mail.probe, opts)
  expect(ok):falsy()
  expect(err.kind):eq("network")
  return err
end

step("IMAP", { timeout = "10s" }, function()
  up(vars.P1)
  local started = telltale.now()
  local err = failure_of { url = "imap://127.0.0.1:" .. vars.P1, timeout = "8s" }
  expect(err.message):contains("sent a line longer than")
  expect(err.phase):eq("greeting")
  expect(telltale.now() - started):lt(5000)
end)

step("SMTP", { timeout = "10s" }, function()
  up(vars.P2)
  local err = failure_of { url = "smtp://127.0.0.1:" .. vars.P2, timeout = "8s" }
  expect(err.message):contains("sent a line longer than")
  expect(err.phase):eq("greeting")
end)

step("an IMAP literal of 4 GB", { timeout = "10s" }, function()
  up(vars.P3)
  local err = failure_of { url = "imap://127.0.0.1:" .. vars.P3, user = "canary", password = "x", timeout = "8s" }
  expect(err.message):contains("announced a literal of more than")
  expect(err.phase):eq("authentication")
end)
