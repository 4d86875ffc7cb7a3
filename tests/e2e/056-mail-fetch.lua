-- MIME fixtures travel through the real MTA (quoted-printable with a link
-- broken by soft line breaks, base64 Latin-1 in multipart/alternative with
-- RFC 2047 subject, windows-1252, nested multipart) and decode the same as
-- in the unit tests.  New mail is fetched header first: only the messages
-- whose header matches get their body fetched (the trace shows both kinds
-- of FETCH).  Mail for another plus-address never matches, matched
-- messages are saved as .eml with --artifacts, and msg:delete() expunges.
-- test: args --trace --artifacts $TT_DIR/art056 --var SMTP=smtp://127.0.0.1:$TT_SMTP_PORT --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var MAIL_PASSWORD=$TT_MAIL_PASSWORD --var FIXTURES=$HERE/unit/mime
-- test: stderr-lacks (null)@(null)
-- test: exit 0
-- test: stderr-has (UID INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])
-- test: stderr-has (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])
-- test: stderr-has STORE
-- test: json len([l for l in r["scenarios"][0]["steps"][0]["logs"] if "message saved as" in l]) == 4
-- test: json all(open(l.split("message saved as ")[1], "rb").read().startswith(b"Return-Path:") for l in r["scenarios"][0]["steps"][0]["logs"] if "saved as" in l)
-- test: within 40
step("fixtures through the MTA", { timeout = "30s" }, function()
  local to = mail.address("canary@example.test")
  local other = mail.address("canary@example.test")
  local function send(file, rcpt)
    local f = assert(io.open(vars.FIXTURES .. "/" .. file, "rb"))
    local text = f:read("a"):gsub("\nTo: [^\n]*\n", "\nTo: " .. rcpt .. "\n", 1)
    f:close()
    mail.send { url = vars.SMTP, from = "app@example.test", to = rcpt, raw = text }
  end
  send("qp.eml", other) -- the same subject, for someone else: never ours
  for _, file in ipairs { "qp.eml", "alternative.eml", "windows-1252.eml", "nested.eml" } do send(file, to) end

  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.MAIL_PASSWORD }
  local reset = mb:wait { to = to, subject = "Reset your password" }
  expect(reset.to):eq({ to })
  expect(reset:link("reset")):eq("https://app.example.test/reset?token=abcdef0123456789&user=42")
  expect(reset:match("code is (%d+)")):eq("493817")

  local fr = mb:wait { to = to, subject = "Confirmez votre adresse ✓" }
  expect(fr.text):contains("Bonjour Zoé")
  expect(fr.links[2]):eq("https://app.example.test/confirm?t=XYZ&lang=fr")
  expect(mb:wait { to = to, subject = "Reçu de paiement" }.text):contains("12 € — merci")
  local invoice = mb:wait { to = to, subject = "Invoice", body = "Invoice 77" }
  expect(invoice:link("invoices")):eq("https://app.example.test/invoices/77")

  -- Everything is in; a body criterion nothing meets is a near miss for
  -- each of our messages, and the one for `other` is told apart by `to`.
  local ok, err = pcall(mb.wait, mb, { to = to, subject = "Reset", body = "no such text", timeout = "1s" })
  expect(ok):falsy()
  expect(err.kind):eq("missing")
  expect(err.detail):contains('body "')
  expect(err.detail):contains("does not contain \"no such text\"")
  expect(err.detail):contains('to "' .. other .. '" does not contain')

  local uid = invoice.uid
  invoice:delete()
  expect(mb:_message(uid)):eq(nil)
end)
