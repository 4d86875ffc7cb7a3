-- mail.probe names what is wrong with a mail port: refused, filtered (no
-- answer to the connect), a black hole (connects, never greets), an
-- untrusted certificate, a wrong password — all kind `network`, never
-- `missing`.  A healthy port reports its greeting, capabilities, TLS and
-- authentication.  The last step shows a black-holed SMTP port as a user
-- sees it in the report.
-- test: args --var SMTP=$TT_SMTP_PORT --var SUBMIT=$TT_SUBMISSION_PORT --var IMAPS=$TT_IMAPS_PORT --var IMAP=$TT_IMAP_PORT --var CA=$TT_MAIL_CA --var MAIL_PASSWORD=$TT_MAIL_PASSWORD --var CLOSED=$TT_CLOSED_PORT --var FILTERED=$TT_FILTERED_PORT --var HOLE=$TT_BLACKHOLE_PORT
-- test: exit 1
-- test: json [s["status"] for s in r["scenarios"][0]["steps"]] == ["passed", "passed", "passed", "failed"]
-- test: json r["scenarios"][0]["steps"][3]["failure"]["kind"] == "network"
-- test: json r["scenarios"][0]["steps"][3]["failure"]["phase"] == "greeting"
-- test: stdout-has but no SMTP greeting came within 1000 ms: a black hole, or not an SMTP server
-- test: stdout-lacks mail-s3cr3t-pa55
-- test: within 20
local function failure_of(opts)
  local ok, err = pcall(mail.probe, opts)
  expect(ok):falsy()
  expect(err.kind):eq("network")
  return err
end

local function port(p) return "smtp://127.0.0.1:" .. p end

step("healthy ports", function()
  local plain = mail.probe { url = port(vars.SMTP) }
  expect(plain.greeting):contains("ESMTP Postfix")
  expect(plain.capabilities):contains("PIPELINING")
  expect(plain.tls):eq(false)
  local submit = mail.probe { url = port(vars.SUBMIT), starttls = "required", ca = vars.CA,
                              user = "canary", password = vars.MAIL_PASSWORD }
  expect(submit.tls):eq(true)
  expect(submit.authenticated):eq(true)
  expect(submit.capabilities):contains("AUTH=PLAIN")
  local imaps = mail.probe { url = "imaps://127.0.0.1:" .. vars.IMAPS, ca = vars.CA,
                             user = "canary", password = vars.MAIL_PASSWORD }
  expect(imaps.tls):eq(true)
  expect(imaps.authenticated):eq(true)
  expect(imaps.capabilities):contains("IDLE")
  local starttls = mail.probe { url = "imap://127.0.0.1:" .. vars.IMAP, starttls = true, ca = vars.CA }
  expect(starttls.tls):eq(true)
  expect(mail.probe { url = "imaps://127.0.0.1:" .. vars.IMAPS, insecure = true }.tls):eq(true)
end)

step("unreachable ports told apart", function()
  expect(failure_of { url = port(vars.CLOSED) }.message):contains("refused: nothing listens there")
  local filtered = failure_of { url = port(vars.FILTERED), timeout = "500ms" }
  expect(filtered.message):contains("(filtered)")
  expect(filtered.phase):eq("connect")
  local hole = failure_of { url = port(vars.HOLE), timeout = "1s" }
  expect(hole.message):contains("no SMTP greeting")
  expect(hole.phase):eq("greeting")
  expect(failure_of { url = "smtp://no-such-host.invalid" }.phase):eq("dns")
end)

step("TLS and credentials", function()
  -- The self-signed test certificate is not in the system's trust store.
  local untrusted = failure_of { url = "imaps://127.0.0.1:" .. vars.IMAPS }
  expect(untrusted.message):contains("is not trusted")
  expect(untrusted.phase):eq("tls")
  expect(failure_of { url = port(vars.SUBMIT), starttls = "required" }.phase):eq("tls")
  expect(failure_of { url = port(vars.SMTP), starttls = "required" }.message):contains("does not offer STARTTLS")
  local denied = failure_of { url = port(vars.SUBMIT), starttls = "required", ca = vars.CA,
                              user = "canary", password = "wrong" }
  expect(denied.phase):eq("authentication")
  expect(denied.message):contains("SMTP authentication failed for canary")
  local imap_denied = failure_of { url = "imaps://127.0.0.1:" .. vars.IMAPS, ca = vars.CA,
                                   user = "canary", password = "wrong" }
  expect(imap_denied.phase):eq("authentication")
  -- A mailbox on an untrusted server fails at once with the reason, not
  -- as `missing` at the deadline.
  local mb = mail.mailbox { url = "imaps://127.0.0.1:" .. vars.IMAPS, user = "canary", password = vars.MAIL_PASSWORD }
  local started = telltale.now()
  local ok, err = pcall(mb.wait, mb, { subject = "anything", timeout = "5s" })
  expect(ok):falsy()
  expect(err.kind):eq("network")
  expect(err.message):contains("is not trusted")
  expect(telltale.now() - started):lt(3000)
end)

step("a black-holed SMTP port", function() mail.probe { url = port(vars.HOLE), timeout = "1s" } end)
