-- The mail benchmark's scenario: wait for N messages in turn, each to its
-- own plus-address, and log when each wait returned (monotonic ms, the
-- clock Python's time.monotonic() reads too).
step("wait", { timeout = "300s" }, function()
  local opts = { url = vars.IMAP, user = "canary", password = vars.PASSWORD }
  if vars.POLL ~= "idle" then opts.poll = vars.POLL end
  local mb = mail.mailbox(opts)
  for i = 1, tonumber(vars.N) do
    mb:wait { to = "canary+" .. vars.TAG .. "-" .. i .. "@example.test", timeout = "30s" }
    log(string.format("got %d %d", i, telltale.now()))
  end
end)
