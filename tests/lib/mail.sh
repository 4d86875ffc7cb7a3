# mail.sh — a real mail stack on loopback: Postfix takes SMTP and delivers
# over LMTP to Dovecot, which serves IMAP and IMAPS.  Source it after
# services.sh (it uses HERE, TT_DIR, free_port and wait_for_port), then:
#   mail_start            sets TT_SMTP_PORT TT_IMAP_PORT TT_IMAPS_PORT
#                         TT_SUBMISSION_PORT (STARTTLS + AUTH required)
#                         TT_MAIL_CA (the servers' self-signed certificate)
#                         TT_MAIL_USER TT_MAIL_PASSWORD TT_MAIL_DOMAIN
#                         TT_OAUTH_PORT TT_OAUTH_URL (tests/mail/oauth_server.py:
#                         /token, /introspect, /revoke, /count) and its
#                         client: TT_OAUTH_CLIENT_ID TT_OAUTH_CLIENT_SECRET
#   mail_send TO SUBJECT BODYFILE|-   submit one message over SMTP
#   mail_restart_dovecot  drop every IMAP connection; same ports afterwards
#   mail_stop             stop both; no process of this run is left
# Templates are in tests/mail/; config, queue, mailboxes and the two logs
# (dovecot.log, postfix.log) are in $TT_DIR/mail.  Mail for
# canary+anything@example.test lands in canary's INBOX.
TT_MAIL_USER=canary
TT_MAIL_PASSWORD=mail-s3cr3t-pa55
TT_MAIL_DOMAIN=example.test
# Mailboxes belong to an unprivileged system user; Dovecot switches to it.
TT_MAIL_OWNER=nobody
TT_OAUTH_CLIENT_ID=telltale-test-client
TT_OAUTH_CLIENT_SECRET=client-s3cr3t-0auth

# mail_fill TEMPLATE — the template with this run's values, on stdout.
mail_fill() {
    sed -e "s#@DIR@#$TT_DIR/mail#g" -e "s#@RUN@#${TT_DIR##*/}#g" \
        -e "s#@SMTP_PORT@#$TT_SMTP_PORT#g" -e "s#@IMAP_PORT@#$TT_IMAP_PORT#g" \
        -e "s#@IMAPS_PORT@#$TT_IMAPS_PORT#g" -e "s#@DOMAIN@#$TT_MAIL_DOMAIN#g" \
        -e "s#@SUBMISSION_PORT@#$TT_SUBMISSION_PORT#g" -e "s#@OAUTH_PORT@#$TT_OAUTH_PORT#g" \
        -e "s#@USER@#$TT_MAIL_USER#g" -e "s#@PASSWORD@#$TT_MAIL_PASSWORD#g" \
        -e "s#@UID@#$(id -u "$TT_MAIL_OWNER")#g" -e "s#@GID@#$(id -g "$TT_MAIL_OWNER")#g" "$1"
}

# The packages may run system-wide instances too: ours share nothing with
# them (own base_dir, state_dir, instance_name, queue and data directories,
# listeners on free 127.0.0.1 ports, LMTP over a private socket), so they
# are left alone — a test never stops, disables or reconfigures a service
# of the machine.

# mail_logs — what a failing test needs to see: the end of both logs.
mail_logs() {
    for f in "$TT_DIR"/mail/dovecot-start.log "$TT_DIR"/mail/dovecot.log "$TT_DIR"/mail/oauth.log \
        "$TT_DIR"/mail/postfix-start.log "$TT_DIR"/mail/postfix.log; do
        [ -s "$f" ] || continue
        echo "---- $f" >&2
        tail -n 40 "$f" >&2
    done
}

# mail_stop_session PIDFILE — stop a daemon and everything it spawned.  Both
# masters make themselves session (and process group) leaders, so the id
# names exactly this run's processes, never another run's or the caller.
# The whole group gets TERM at once: told only the master, Dovecot leaves an
# idling imap process running ~10 s after the master has gone.  KILL whatever
# is left after 5 s.
mail_stop_session() {
    local pid i
    [ -f "$1" ] || return 0
    pid=$(sed 1q "$1" | tr -d ' ')
    rm -f "$1"
    # A stale pid file may name a recycled pid: act only on a session leader.
    [ -n "$pid" ] && [ "$(ps -o sid= -p "$pid" 2> /dev/null | tr -d ' ')" = "$pid" ] || return 0
    kill -TERM -- -"$pid" 2> /dev/null
    i=0
    while mail_session_alive "$pid"; do
        i=$((i + 1))
        if [ "$i" -gt 50 ]; then
            pkill -KILL -s "$pid"
            break
        fi
        sleep 0.05
    done
}

# mail_session_alive SID — true while a process of the session still runs.
# Zombies don't count: the masters daemonize, so once they exit their
# reaping is up to PID 1, which (in containers) may take its time.
mail_session_alive() { ps -o stat= -s "$1" | grep -qv '^Z'; }

mail_start_dovecot() {
    # Without -F dovecot returns once its listeners are bound, or fails here.
    dovecot -c "$TT_DIR/mail/dovecot.conf" 2> "$TT_DIR/mail/dovecot-start.log" \
        || { echo "mail: dovecot failed to start:" >&2; mail_logs; return 1; }
    wait_for_port "$TT_IMAP_PORT" "dovecot (IMAP)" || { mail_logs; return 1; }
    wait_for_port "$TT_IMAPS_PORT" "dovecot (IMAPS)" || { mail_logs; return 1; }
}

mail_stop_dovecot() { mail_stop_session "$TT_DIR/mail/run/master.pid"; }

mail_start() {
    local root=${HERE:?mail.sh needs HERE, the tests/ directory} m="$TT_DIR/mail"
    mail_stop # a second mail_start in the same TT_DIR replaces the first
    TT_SMTP_PORT=$(free_port)
    TT_IMAP_PORT=$(free_port)
    TT_IMAPS_PORT=$(free_port)
    TT_SUBMISSION_PORT=$(free_port)
    TT_OAUTH_PORT=$(free_port)
    TT_OAUTH_URL="http://127.0.0.1:$TT_OAUTH_PORT"
    TT_MAIL_CA="$m/tls/cert.pem"
    mkdir -p "$m/tls" "$m/home/$TT_MAIL_USER" "$m/postfix/etc" "$m/postfix/queue"
    # The mail user's imap processes and Postfix's lmtp client walk down here.
    chmod 755 "$TT_DIR" "$m" "$m/home"
    chown "$TT_MAIL_OWNER:" "$m/home/$TT_MAIL_USER"
    # EC, not RSA: key generation is instant, and every client here accepts it.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
        -keyout "$m/tls/key.pem" -out "$m/tls/cert.pem" > /dev/null 2>&1 \
        || { echo "mail: openssl could not make a test certificate" >&2; return 1; }
    mail_fill "$root/mail/dovecot.conf.in" > "$m/dovecot.conf"
    mail_fill "$root/mail/dovecot-oauth2.conf.ext.in" > "$m/dovecot-oauth2.conf.ext"
    mail_fill "$root/mail/passwd.in" > "$m/passwd"
    # Read by Dovecot's auth process, which runs as the dovecot user.
    chgrp dovecot "$m/passwd" && chmod 640 "$m/passwd"
    mail_fill "$root/mail/main.cf.in" > "$m/postfix/etc/main.cf"
    mail_fill "$root/mail/master.cf.in" > "$m/postfix/etc/master.cf"
    # Postfix rereads a config file every 0.3 s until its mtime is 2 s in the
    # past (a guard against half-written files): backdated, start takes 0.2 s
    # instead of 2.5 s.
    touch -d '-1 minute' "$m/postfix/etc/main.cf" "$m/postfix/etc/master.cf"
    # Dovecot asks it about every token: up before Dovecot.
    setsid python3 "$root/mail/oauth_server.py" "$TT_OAUTH_PORT" "$m/oauth.pid" < /dev/null > "$m/oauth.log" 2>&1 &
    wait_for_port "$TT_OAUTH_PORT" "oauth_server.py" || { mail_logs; return 1; }
    mail_start_dovecot || return 1
    # "start" creates the queue's subdirectories with Postfix's own owners and
    # modes, and returns only when master has bound its listener.
    postfix -c "$m/postfix/etc" start > "$m/postfix-start.log" 2>&1 \
        || { echo "mail: postfix failed to start:" >&2; mail_logs; return 1; }
    wait_for_port "$TT_SMTP_PORT" "postfix (SMTP)" || { mail_logs; return 1; }
    wait_for_port "$TT_SUBMISSION_PORT" "postfix (submission)" || { mail_logs; return 1; }
    export TT_SMTP_PORT TT_IMAP_PORT TT_IMAPS_PORT TT_SUBMISSION_PORT TT_MAIL_CA TT_MAIL_USER TT_MAIL_PASSWORD \
        TT_MAIL_DOMAIN TT_OAUTH_PORT TT_OAUTH_URL TT_OAUTH_CLIENT_ID TT_OAUTH_CLIENT_SECRET
}

mail_stop() {
    mail_stop_session "$TT_DIR/mail/postfix/queue/pid/master.pid"
    mail_stop_dovecot
    mail_stop_session "$TT_DIR/mail/oauth.pid"
}

# mail_kick USER — drop USER's IMAP connections (doveadm kick): every
# mailbox of theirs reconnects and signs in again.
mail_kick() { doveadm -c "$TT_DIR/mail/dovecot.conf" kick "$1" > /dev/null; }

# mail_restart_dovecot — every IMAP session sees its connection drop; mail
# that arrives meanwhile is deferred by Postfix and retried within ~2 s.
mail_restart_dovecot() {
    mail_stop_dovecot
    mail_start_dovecot
}

# mail_send TO SUBJECT BODYFILE|- — submit one text/plain message through the
# MTA (From: telltale-sender@$TT_MAIL_DOMAIN).  Returns once Postfix has
# queued it; delivery to the mailbox follows, usually within 100 ms.
mail_send() {
    [ $# -eq 3 ] || { echo "usage: mail_send TO SUBJECT BODYFILE|-" >&2; return 2; }
    python3 -c '
import email.message, email.utils, smtplib, sys
port, to, subject, body, domain = sys.argv[1:]
try:
    text = sys.stdin.read() if body == "-" else open(body, encoding="utf-8").read()
    m = email.message.EmailMessage()
    m["From"] = "telltale-sender@" + domain
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate(localtime=True)
    m["Message-ID"] = email.utils.make_msgid(domain=domain)
    m.set_content(text)
    # local_hostname: the default, getfqdn(), may wait on DNS.
    with smtplib.SMTP("127.0.0.1", int(port), local_hostname="localhost", timeout=10) as s:
        s.send_message(m)
except (OSError, smtplib.SMTPException) as e:
    sys.exit("mail_send: %s: %s" % (to, e))
' "${TT_SMTP_PORT:?mail_send needs mail_start first}" "$1" "$2" "$3" "$TT_MAIL_DOMAIN"
}
