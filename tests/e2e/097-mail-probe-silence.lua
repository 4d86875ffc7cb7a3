-- mail.probe passes only after a well-formed greeting AND capability
-- exchange within the timeout it states: a server that greets and then
-- never answers CAPABILITY fails (phase capability) in ~2 s for a 2 s
-- timeout, not 4 s, and not as a pass.  A silent SMTP port fails within
-- its stated timeout too.
-- test: args --var P1=$(free_port | tee $TT_DIR/p1) --var HOLE=$TT_BLACKHOLE_PORT
-- test: background python3 $HERE/mail/hostile.py imap-silent $(cat $TT_DIR/p1)
-- test: exit 0
-- test: within 20
local function up(port)
  for _ = 1, 100 do
    if pcall(net.tcp, { host = "127.0.0.1", port = tonumber(port), timeout = "200ms" }) then return end
    sleep("100ms")
  end
  error("hostile server on " .. port .. " never came up")
end

step("IMAP greets, then silence", { timeout = "10s" }, function()
  up(vars.P1)
  local started = telltale.now()
  local ok, err = pcall(mail.probe, { url = "imap://127.0.0.1:" .. vars.P1, timeout = "2s" })
  local took = telltale.now() - started
  expect(ok):falsy()
  expect(err.kind):eq("network")
  expect(err.phase):eq("capability")
  expect(err.message):contains("did not answer within 2000 ms")
  expect(took):gt(1500)
  expect(took):lt(3200)
end)

step("SMTP never greets", { timeout = "10s" }, function()
  local started = telltale.now()
  local ok, err = pcall(mail.probe, { url = "smtp://127.0.0.1:" .. vars.HOLE, timeout = "1500ms" })
  local took = telltale.now() - started
  expect(ok):falsy()
  expect(err.phase):eq("greeting")
  expect(took):lt(2700)
end)
