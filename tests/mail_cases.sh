# mail_cases.sh — e-mail cases that need more than one scenario file or a
# hand on the servers mid-run; sourced by run.sh after cli.sh (uses
# cli_case, pass/fail, $BIN and the mail stack from lib/mail.sh).

# Dovecot restarted while a scenario waits: the mailbox reconnects (with
# backoff, inside the deadline) and the message sent after the restart is
# found; the wait does not fail because the server dropped the connection.
mkdir -p "$TT_DIR/restart"
cat > "$TT_DIR/restart/wait.lua" <<'LUA'
step("wait across a restart", { timeout = "30s" }, function()
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.PASSWORD }
  local msg = mb:wait { to = vars.TO, subject = "after the restart" }
  expect(msg.text):contains("still here")
  log("mailbox: " .. mb:_status())
end)
LUA
restart_to="canary+restart-$(date +%s%N)@$TT_MAIL_DOMAIN"
(
    sleep 1.5
    mail_restart_dovecot
    sleep 0.5
    echo "still here" | mail_send "$restart_to" "after the restart" -
) > "$TT_DIR/restart.log" 2>&1 &
restarter=$!
cli_case mail-dovecot-restart-mid-wait 0 "1 scenarios: 1 passed" -- "$BIN" run -v \
    --var "IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX" --var "PASSWORD=$TT_MAIL_PASSWORD" --var "TO=$restart_to" \
    "$TT_DIR/restart/wait.lua"
wait "$restarter"

# 200 scenarios wait at once on one mailbox, each for its own plus-address;
# the mail for all of them is sent at once.  Every one is found, and the
# server never sees more than 2 IMAP connections from us (counted on the
# server side of the socket, sampled every 50 ms while the run lasts).
mkdir -p "$TT_DIR/many-mail"
for i in $(seq -w 1 200); do
cat > "$TT_DIR/many-mail/m$i.lua" <<'LUA'
step("wait for my mail", { timeout = "90s" }, function()
  local n = run.file:match("m(%d+)%.lua$")
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.PASSWORD }
  local msg = mb:wait { to = "canary+" .. vars.TAG .. "-" .. n .. "@example.test" }
  expect(msg.subject):eq("for " .. n)
end)
LUA
done
many_tag="many$(date +%s%N)"
: > "$TT_DIR/imap-connections"
(
    max=0
    while [ ! -f "$TT_DIR/many-mail.done" ]; do
        n=$(ss -Htn state established "( sport = :$TT_IMAP_PORT )" | wc -l)
        [ "$n" -gt "$max" ] && max=$n && echo "$max" > "$TT_DIR/imap-connections"
        sleep 0.05
    done
) &
sampler=$!
(
    sleep 2 # every scenario is waiting by now
    python3 - "$TT_SMTP_PORT" "$many_tag" <<'PY'
import smtplib, sys
port, tag = int(sys.argv[1]), sys.argv[2]
with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=30) as s:
    for i in range(1, 201):
        to = "canary+%s-%03d@example.test" % (tag, i)
        s.sendmail("app@example.test", [to], "From: app@example.test\r\nTo: %s\r\nSubject: for %03d\r\n\r\nhello\r\n" % (to, i))
PY
) > "$TT_DIR/many-mail.log" 2>&1 &
sender=$!
cli_case mail-200-waits-one-mailbox 0 "200 scenarios: 200 passed" -- "$BIN" run --parallel 200 \
    --var "IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX" --var "PASSWORD=$TT_MAIL_PASSWORD" --var "TAG=$many_tag" \
    "$TT_DIR/many-mail"
touch "$TT_DIR/many-mail.done"
wait "$sampler" "$sender"
imap_max=$(cat "$TT_DIR/imap-connections")
if [ -n "$imap_max" ] && [ "$imap_max" -ge 1 ] && [ "$imap_max" -le 2 ]; then
    pass "cli/mail-200-waits-at-most-2-imap-connections ($imap_max)"
else
    echo "at most ${imap_max:-0} IMAP connections seen; expected 1 or 2" > "$TT_DIR/imap.out"
    fail "cli/mail-200-waits-at-most-2-imap-connections" "server saw ${imap_max:-no} connections" "$TT_DIR/imap.out"
fi

# mb:wait{ since = ... } earlier than the run's start finds mail delivered
# before the run: the mailbox, which looks from its first user's start,
# searches the server for the earlier mail.  Without since, the old mail is
# not seen (it is not this run's).
mkdir -p "$TT_DIR/since"
cat > "$TT_DIR/since/since.lua" <<'LUA'
step("mail from before the run", { timeout = "15s" }, function()
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", password = vars.PASSWORD }
  local ok = pcall(mb.wait, mb, { to = vars.TO, timeout = "1500ms" })
  expect(ok):falsy()
  local msg = mb:wait { to = vars.TO, since = run.started_at - 600 }
  expect(msg.subject):eq("sent before the run")
  expect(msg.received):lt(run.started_at)
end)
LUA
since_to="canary+since-$(date +%s%N)@$TT_MAIL_DOMAIN"
echo "old news" | mail_send "$since_to" "sent before the run" -
sleep 2.2 # delivered, and a whole second older than the run's start
cli_case mail-wait-since-before-the-run 0 "1 scenarios: 1 passed" -- "$BIN" run \
    --var "IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX" --var "PASSWORD=$TT_MAIL_PASSWORD" --var "TO=$since_to" \
    "$TT_DIR/since/since.lua"

# 50 scenarios wait at once with one refresh token (--parallel 50): they
# share one IMAP connection and one token fetch — counted at the token
# endpoint and on the server side of the socket.  Run with -v, --trace,
# both reports and --artifacts; no access token issued in the whole suite
# so far, nor its base64, nor the SASL initial response carrying it, nor
# the refresh token or client secret, appears in any of them.
mkdir -p "$TT_DIR/oauth-many" "$TT_DIR/oauth-artifacts"
for i in $(seq -w 1 50); do
cat > "$TT_DIR/oauth-many/o$i.lua" <<'LUA'
step("wait with a token", { timeout = "60s" }, function()
  local n = run.file:match("o(%d+)%.lua$")
  local mb = mail.mailbox { url = vars.IMAP, user = "canary", oauth2 = {
    token_url = vars.IDP .. "/token", client_id = vars.CLIENT_ID, client_secret = vars.CLIENT_SECRET,
    refresh_token = vars.RT } }
  local msg = mb:wait { to = "canary+" .. vars.TAG .. "-" .. n .. "@example.test" }
  expect(msg.subject):eq("for " .. n)
end)
LUA
done
oauth_tag="oauth$(date +%s%N)"
oauth_rt="rt-many-$oauth_tag"
rm -f "$TT_DIR/oauth-many.done"
: > "$TT_DIR/oauth-imap-connections"
(
    max=0
    while [ ! -f "$TT_DIR/oauth-many.done" ]; do
        n=$(ss -Htn state established "( sport = :$TT_IMAP_PORT )" | wc -l)
        [ "$n" -gt "$max" ] && max=$n && echo "$max" > "$TT_DIR/oauth-imap-connections"
        sleep 0.05
    done
) &
sampler=$!
(
    sleep 2
    python3 - "$TT_SMTP_PORT" "$oauth_tag" <<'PY'
import smtplib, sys
port, tag = int(sys.argv[1]), sys.argv[2]
with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=30) as s:
    for i in range(1, 51):
        to = "canary+%s-%02d@example.test" % (tag, i)
        s.sendmail("app@example.test", [to], "From: app@example.test\r\nTo: %s\r\nSubject: for %02d\r\n\r\nhi\r\n" % (to, i))
PY
) > "$TT_DIR/oauth-many.log" 2>&1 &
sender=$!
cli_case mail-oauth-50-waits-one-token 0 "50 scenarios: 50 passed" -- "$BIN" run --parallel 50 -v --trace \
    --json "$TT_DIR/oauth-many.json" --junit "$TT_DIR/oauth-many.xml" --artifacts "$TT_DIR/oauth-artifacts" \
    --var "IMAP=imap://127.0.0.1:$TT_IMAP_PORT/INBOX" --var "IDP=$TT_OAUTH_URL" --var "CLIENT_ID=$TT_OAUTH_CLIENT_ID" \
    --var "CLIENT_SECRET=$TT_OAUTH_CLIENT_SECRET" --var "RT=$oauth_rt" --var "TAG=$oauth_tag" "$TT_DIR/oauth-many"
cp "$TT_DIR/cli.out" "$TT_DIR/oauth-many.out" 2> /dev/null
touch "$TT_DIR/oauth-many.done"
wait "$sampler" "$sender"
oauth_grants=$(curl -s "$TT_OAUTH_URL/count?refresh_token=$oauth_rt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
oauth_conns=$(cat "$TT_DIR/oauth-imap-connections")
if [ "$oauth_grants" = 1 ] && [ "$oauth_conns" = 1 ]; then
    pass "cli/mail-oauth-50-waits-1-fetch-1-connection"
else
    echo "token grants: $oauth_grants, IMAP connections at most: $oauth_conns (expected 1 and 1)" > "$TT_DIR/oauth.out"
    fail "cli/mail-oauth-50-waits-1-fetch-1-connection" "$oauth_grants grants, $oauth_conns connections" "$TT_DIR/oauth.out"
fi
# Every secret and every encoding of a token a trace or report could carry.
python3 - "$(curl -s "$TT_OAUTH_URL/issued")" "$TT_IMAP_PORT" "$oauth_rt" "$TT_OAUTH_CLIENT_SECRET" \
    > "$TT_DIR/oauth-needles" <<'PY'
import base64, json, sys
issued, port, rt, secret = sys.argv[1:]
needles = [rt, secret]
for t in json.loads(issued)["tokens"]:
    for raw in (t, "user=canary\x01auth=Bearer %s\x01\x01" % t,
                "n,a=canary,\x01host=127.0.0.1\x01port=%s\x01auth=Bearer %s\x01\x01" % (port, t)):
        needles.append(base64.b64encode(raw.encode()).decode())
    needles.append(t)
print("\n".join(needles))
PY
if [ "$(wc -l < "$TT_DIR/oauth-needles")" -gt 5 ] \
    && ! grep -rFf "$TT_DIR/oauth-needles" "$TT_DIR/oauth-many.out" "$TT_DIR/oauth-many.json" "$TT_DIR/oauth-many.xml" \
        "$TT_DIR/oauth-artifacts" > "$TT_DIR/oauth-leaks" 2>&1; then

    pass "cli/mail-oauth-no-token-in-output-reports-artifacts"
else
    fail "cli/mail-oauth-no-token-in-output-reports-artifacts" "a token or secret leaked (or none issued)" "$TT_DIR/oauth-leaks"
fi
