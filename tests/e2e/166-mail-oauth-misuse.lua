-- oauth2 tables are checked like every options table: unknown keys, wrong
-- types, a grant without its parts, a token endpoint in clear text off
-- loopback, password and oauth2 together, sasl without oauth2 — each an
-- error naming the problem.  An unreachable token endpoint fails the
-- wait at once with kind network, naming the endpoint; a wrong client
-- secret is a refused grant (phase authentication).
-- test: args --var IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX --var IDP=$TT_OAUTH_URL --var CLIENT_ID=$TT_OAUTH_CLIENT_ID --var CLOSED=$TT_CLOSED_PORT
-- test: exit 1
-- test: stdout-has [network] OAuth token endpoint http://127.0.0.1:
-- test: stdout-has /token unreachable
-- test: json [s["status"] for s in r["scenarios"][0]["steps"]] == ["passed", "passed", "failed"]
-- test: json r["scenarios"][0]["steps"][2]["failure"]["phase"] == "connect"
-- test: within 10
local function refused(opts, words)
  local ok, err = pcall(mail.mailbox, opts)
  expect(ok):eq(false)
  expect(tostring(err)):contains(words)
end

step("misuse raises, naming the problem", function()
  local base = { token_url = vars.IDP .. "/token", client_id = vars.CLIENT_ID, refresh_token = "rt-166" }
  local function with(extra)
    local t = { url = vars.IMAP, user = "canary", oauth2 = {} }
    for k, v in pairs(base) do t.oauth2[k] = v end
    for k, v in pairs(extra) do if k == "oauth2" then for a, b in pairs(v) do t.oauth2[a] = b end else t[k] = v end end
    return t
  end
  refused(with { oauth2 = { refresh_tokn = "x" } }, "unknown mail.mailbox oauth2 option 'refresh_tokn'")
  refused(with { oauth2 = { scope = 5 } }, "scope must be a string")
  refused({ url = vars.IMAP, user = "canary", oauth2 = { client_id = "c", refresh_token = "r" } }, "oauth2 needs token_url")
  refused(with { oauth2 = { token_url = "http://idp.example.test/token" } }, "is http://: only loopback may be, or set insecure = true")
  refused(with { oauth2 = { grant = "password" } }, "oauth2.grant must be \"refresh_token\" or \"client_credentials\"")
  refused(with { oauth2 = { access_token = "at-x" } }, "oauth2.access_token is a token already minted")
  refused(with { password = "p" }, "give 'password' or 'oauth2', not both")
  refused(with { sasl = "plain" }, "sasl must be \"xoauth2\" or \"oauthbearer\"")
  refused({ url = vars.IMAP, user = "canary", password = "p", sasl = "xoauth2" }, "'sasl' chooses how an oauth2 token is sent")
  refused({ url = vars.IMAP, oauth2 = { access_token = "at-x" } }, "'oauth2' needs a 'user'")
end)

step("a wrong client secret is a refused grant", { timeout = "8s" }, function()
  local ok, err = pcall(mail.probe, { url = vars.IMAP, user = "canary", oauth2 = {
    token_url = vars.IDP .. "/token", client_id = vars.CLIENT_ID, client_secret = "not-the-secret", refresh_token = "rt-166" } })
  expect(ok):eq(false)
  expect(err.phase):eq("authentication")
  expect(err.message):contains("refused the refresh_token grant: invalid_client: The OAuth client was not found. (HTTP 401)")
end)

step("an unreachable token endpoint", { timeout = "30s" }, function()
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", oauth2 = {
    token_url = "http://127.0.0.1:" .. vars.CLOSED .. "/token", client_id = vars.CLIENT_ID, refresh_token = "rt-166" } }
  mb:wait { subject = "never" }
end)
