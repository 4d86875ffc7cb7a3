-- Mail can leave: the app's own route to its MTA answers SMTP.  Catches a
-- firewall that black-holes port 25 before a user waits for a mail.
scenario { name = "mail egress", tags = { "mail", "smoke" } }

step("the app's SMTP route greets us", { timeout = "10s" }, function()
  local probe = mail.probe{ url = vars.SMTP_URL, timeout = "3s" }
  log("greeting:", probe.greeting)
end)
