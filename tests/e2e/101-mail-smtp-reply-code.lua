-- An SMTP failure keeps the server's reply code: "550 5.1.1 ...".
-- test: args --var P1=$(free_port | tee $TT_DIR/p1)
-- test: background python3 $HERE/mail/hostile.py smtp-reject $(cat $TT_DIR/p1)
-- test: exit 1
-- test: json r["scenarios"][0]["steps"][0]["failure"]["phase"] == "rcpt to"
-- test: stdout-has refused RCPT TO:<nobody@example.test>: 550 5.1.1 <nobody@example.test>: Recipient address rejected
-- test: within 20
step("rejected", { timeout = "10s" }, function()
  for _ = 1, 100 do
    if pcall(net.tcp, { host = "127.0.0.1", port = tonumber(vars.P1), timeout = "200ms" }) then break end
    sleep("100ms")
  end
  mail.send { url = "smtp://127.0.0.1:" .. vars.P1, from = "app@example.test", to = "nobody@example.test",
              subject = "x", text = "y" }
end)
