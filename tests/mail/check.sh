#!/bin/bash
# check.sh — self-test of the mail stack in tests/lib/mail.sh: SMTP in,
# plus-addressed delivery to one INBOX, IMAP and IMAPS logins, a wrong
# password refused, IDLE told of new mail, a Dovecot restart dropping the
# idling client, and nothing left running afterwards.  Exits 1 with the
# reason and both logs on the first failure.  Run: bash tests/mail/check.sh
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
TT_DIR=$(mktemp -d /tmp/telltale-mail.XXXXXX)
. "$HERE/lib/services.sh"
. "$HERE/lib/mail.sh"
t0=$(date +%s%N)

fail() {
    echo "mail/check.sh: FAIL: $*" >&2
    mail_logs
    exit 1
}
trap 'mail_stop; rm -rf "$TT_DIR"' EXIT

# One client for every check, so each failure message comes from Python's
# own exception text.  Usage: imap MODE [ARGS]; modes are documented inline.
IMAP_PY='
import imaplib, os, socket, ssl, sys, time
mode, args = sys.argv[1], sys.argv[2:]
user, password = os.environ["TT_MAIL_USER"], os.environ["TT_MAIL_PASSWORD"]
port, sport = int(os.environ["TT_IMAP_PORT"]), int(os.environ["TT_IMAPS_PORT"])

def login(pw=password):
    c = imaplib.IMAP4("127.0.0.1", port, timeout=5)
    c.login(user, pw)
    c.select("INBOX")
    return c

def uids(c):
    typ, data = c.uid("SEARCH", "ALL")
    return data[0].split()

if mode == "count":          # count N WAIT: N messages in INBOX within WAIT s
    want, deadline = int(args[0]), time.monotonic() + float(args[1])
    c = login()
    while len(uids(c)) < want and time.monotonic() < deadline:
        time.sleep(0.05)
        c.noop()             # lets Dovecot report what LMTP just saved
    got = uids(c)
    if len(got) != want:
        sys.exit("INBOX has %d messages, want %d" % (len(got), want))
    typ, data = c.uid("FETCH", b",".join(got), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    subjects = sorted(p[1].decode().strip() for p in data if isinstance(p, tuple))
    for s in args[2:]:       # the remaining arguments must all be subjects
        if "Subject: " + s not in subjects:
            sys.exit("no message with subject %r in %r" % (s, subjects))
elif mode == "imaps":        # imaps: TLS handshake (self-signed), login
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    c = imaplib.IMAP4_SSL("127.0.0.1", sport, ssl_context=ctx, timeout=5)
    c.login(user, password)
    c.select("INBOX")
    print("imaps: %s, %s" % (c.sock.version(), c.sock.getpeercert(binary_form=True) and "certificate ok"))
elif mode == "badpass":      # badpass: the login must be refused, not hang
    try:
        login("not-" + password)
    except imaplib.IMAP4.error as e:
        print("wrong password refused: %s" % e)
    else:
        sys.exit("a wrong password was accepted")
elif mode == "idle":         # idle DIR: IDLE; DIR/idling, DIR/exists; then EOF
    c = login()
    c.send(b"i1 IDLE\r\n")
    if not c.readline().startswith(b"+"):
        sys.exit("IDLE was not accepted")
    open(args[0] + "/idling", "w").close()
    c.sock.settimeout(10)
    t = time.monotonic()
    line = b""
    while not line.endswith(b"EXISTS\r\n"):
        line = c.readline()
        if not line.startswith(b"* "):
            sys.exit("IDLE: want * N EXISTS, got %r" % line)
    with open(args[0] + "/exists", "w") as f:
        f.write("%.0f" % ((time.monotonic() - t) * 1000))
    try:                     # the restart must close this connection
        while True:
            line = c.readline()
            if not line:
                break
            if line.startswith(b"* BYE"):
                print("restart: idling client got %s" % line.decode().strip())
                break
    except socket.timeout:
        sys.exit("IDLE: connection still open 10 s after the restart")
else:
    sys.exit("unknown mode " + mode)
'
imap() { python3 -c "$IMAP_PY" "$@"; }

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# wait_file PATH — for the background IDLE client's progress marks.
wait_file() {
    for _ in $(seq 100); do
        [ -e "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

mail_start || fail "mail_start"
echo "started: smtp $TT_SMTP_PORT, imap $TT_IMAP_PORT, imaps $TT_IMAPS_PORT"

# Nothing of ours may listen beyond loopback.
sids="$(sed 1q "$TT_DIR/mail/run/master.pid") $(sed 1q "$TT_DIR/mail/postfix/queue/pid/master.pid" | tr -d ' ')"
if command -v ss > /dev/null; then
    for sid in $sids; do
        for pid in $(ps -o pid= -s "$sid"); do
            ss -H -ltnp 2> /dev/null | grep "pid=$pid," | awk '{print $4}'
        done
    done | sort -u > "$TT_DIR/listen"
    grep -v '^127\.0\.0\.1:' "$TT_DIR/listen" && fail "listening beyond 127.0.0.1 (above)"
    echo "listening: $(tr '\n' ' ' < "$TT_DIR/listen")"
fi

printf 'first message\n' > "$TT_DIR/body"
mail_send "canary@example.test" "plain address" "$TT_DIR/body" || fail "mail_send to canary@"
echo "second message" | mail_send "canary+abc@example.test" "plus abc" - || fail "mail_send to canary+abc@"
echo "third message" | mail_send "canary+xyz@example.test" "plus xyz" - || fail "mail_send to canary+xyz@"
t=$(date +%s%N)
imap count 3 5 "plain address" "plus abc" "plus xyz" || fail "delivery of 3 messages"
echo "delivered: 3 messages in INBOX, $(ms_since "$t") ms after the last send"

imap imaps || fail "IMAPS login"
imap badpass || fail "wrong password"

mkdir "$TT_DIR/idle"
imap idle "$TT_DIR/idle" &
idle_pid=$!
wait_file "$TT_DIR/idle/idling" || fail "IDLE client did not start idling"
echo "fourth message" | mail_send "canary+idle@example.test" "while idling" - || fail "mail_send while idling"
wait_file "$TT_DIR/idle/exists" || fail "IDLE: no EXISTS within 5 s of the send"
echo "idle: EXISTS $(cat "$TT_DIR/idle/exists") ms after the send"

t=$(date +%s%N)
mail_restart_dovecot || fail "mail_restart_dovecot"
echo "restarted dovecot in $(ms_since "$t") ms"
wait "$idle_pid" || fail "the idling client was not disconnected by the restart"
imap count 4 0 "while idling" || fail "IMAP after the restart"
sids="$sids $(sed 1q "$TT_DIR/mail/run/master.pid")"

mail_stop
for sid in $sids; do
    left=$(ps -o pid=,stat=,args= -s "$sid" | grep -v ' Z')
    [ -z "$left" ] || fail "left running after mail_stop:
$left"
done
for p in "$TT_SMTP_PORT" "$TT_IMAP_PORT" "$TT_IMAPS_PORT"; do
    (exec 3<> /dev/tcp/127.0.0.1/"$p") 2> /dev/null && fail "port $p still answers after mail_stop"
done
echo "mail/check.sh: ok in $(ms_since "$t0") ms"
