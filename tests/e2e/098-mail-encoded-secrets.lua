-- A secret inside a message's body where its encoding hides it from a
-- text search — split by a quoted-printable soft line break, or inside a
-- base64 part — still never appears: not in msg:raw() logged, not in
-- --trace (IMAP literals and SMTP DATA are shown as byte counts), not in
-- the report, not in the .eml artifact.
-- test: args --trace --artifacts $TT_DIR/art098 --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var SMTP=smtp://127.0.0.1:$TT_SMTP_PORT --var MAIL_PASSWORD=$TT_MAIL_PASSWORD
-- test: exit 0
-- test: stdout-lacks mail-s3cr3t-pa55
-- test: stdout-lacks mail-s3cr=
-- test: stdout-lacks bWFpbC1zM2NyM3QtcGE1NQ
-- test: stdout-has bytes of message not shown
-- test: json all("mail-s3cr" not in open(p, encoding="latin-1").read() and "bWFpbC1zM2NyM3QtcGE1NQ" not in open(p, encoding="latin-1").read() for p in __import__("glob").glob("$TT_DIR/art098/**/*.eml", recursive=True)) and len(__import__("glob").glob("$TT_DIR/art098/**/*.eml", recursive=True)) == 1
-- test: within 20
step("encoded secrets", { timeout = "15s" }, function()
  local to = mail.address("canary@example.test")
  -- The password, split by a soft line break, and base64-encoded.
  local pw = vars.MAIL_PASSWORD
  local qp = pw:sub(1, 8) .. "=\r\n" .. pw:sub(9)
  local b64 = "bWFpbC1zM2NyM3QtcGE1NQ==" -- base64 of the test password
  local raw = table.concat({
    "From: app@example.test", "To: " .. to, "Subject: your credentials", "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="s"', "",
    "--s", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "",
    "Your password is " .. qp, "",
    "--s", "Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="pw.txt"', "", b64, "",
    "--s--", "" }, "\r\n")
  mail.send { url = vars.SMTP, from = "app@example.test", to = to, raw = raw }
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD }
  local msg = mb:wait { to = to }
  expect(msg.text):contains("Your password is")
  log(msg:raw())
  expect(msg:raw()):contains("[REDACTED]")
end)
