-- A message nested deeper than 32 multipart levels, or with more than
-- 1000 parts, is refused with a failure naming why — never a crash.
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var SMTP=smtp://127.0.0.1:$TT_SMTP_PORT --var MAIL_PASSWORD=$TT_MAIL_PASSWORD
-- test: exit 1
-- test: json [s["status"] for s in r["scenarios"][0]["steps"]] == ["passed", "failed"]
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "assertion"
-- test: stdout-has multiparts nested deeper than 32 levels
-- test: within 30
local function send(to, subject, body)
  mail.send { url = vars.SMTP, from = "app@example.test", to = to, timeout = "10s",
              raw = "From: app@example.test\r\nTo: " .. to .. "\r\nSubject: " .. subject .. "\r\nMIME-Version: 1.0\r\n" .. body }
end

local function nested(depth)
  local head, tail = {}, {}
  for i = 1, depth do
    head[#head + 1] = 'Content-Type: multipart/mixed; boundary="b' .. i .. '"\r\n\r\n--b' .. i .. "\r\n"
    table.insert(tail, 1, "\r\n--b" .. i .. "--\r\n")
  end
  return table.concat(head) .. "Content-Type: text/plain\r\n\r\ndeep inside\r\n" .. table.concat(tail)
end

step("too many parts", { timeout = "12s" }, function()
  local to = mail.address("canary@example.test")
  local parts = { 'Content-Type: multipart/mixed; boundary="p"\r\n\r\n' }
  for i = 1, 1500 do parts[#parts + 1] = "--p\r\nContent-Type: text/plain\r\n\r\npart " .. i .. "\r\n" end
  parts[#parts + 1] = "--p--\r\n"
  send(to, "wide", table.concat(parts))
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD }
  local ok, err = pcall(mb.wait, mb, { to = to })
  expect(ok):falsy()
  expect(err.kind):eq("assertion")
  expect(err.message):contains("more than 1000 MIME parts")
end)

step("too deep", { timeout = "12s" }, function()
  local to = mail.address("canary@example.test")
  send(to, "deep", nested(40))
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD }
  mb:wait { to = to }
end)
