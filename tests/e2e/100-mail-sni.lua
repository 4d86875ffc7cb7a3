-- TLS to a mail server sends SNI with the host name, so a virtual-hosted
-- server presents the right certificate; never for an IP literal.
-- test: args --var P1=$(free_port | tee $TT_DIR/p1)
-- test: background python3 $HERE/mail/hostile.py imap-sni $(cat $TT_DIR/p1)
-- test: exit 0
-- test: within 20
step("SNI", { timeout = "15s" }, function()
  for _ = 1, 100 do
    if pcall(net.tcp, { host = "127.0.0.1", port = tonumber(vars.P1), timeout = "200ms" }) then break end
    sleep("100ms")
  end
  local named = mail.probe { url = "imaps://localhost:" .. vars.P1, insecure = true, timeout = "5s" }
  expect(named.greeting):contains("sni=localhost")
  local literal = mail.probe { url = "imaps://127.0.0.1:" .. vars.P1, insecure = true, timeout = "5s" }
  expect(literal.greeting):contains("sni=none")
end)
