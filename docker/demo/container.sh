#!/bin/bash
# container.sh app|mta|dovecot — one service of the demo stack in a
# container (docker/compose.yaml).  The mail daemons are configured as on
# the native stack, from tests/mail/*.in filled by mail.sh's mail_fill, but
# listen on the container's network instead of loopback; Postfix and Dovecot
# share the volume /var/lib/demo-mail, where the LMTP and auth sockets live.
set -eu
cd /opt/telltale
HERE=/opt/telltale/tests
TT_DIR=/var/lib/demo-mail
. tests/lib/mail.sh
# The containers' fixed ports, read by mail_fill.
# shellcheck disable=SC2034
TT_SMTP_PORT=25 TT_SUBMISSION_PORT=587 TT_IMAP_PORT=143 TT_IMAPS_PORT=993
m=$TT_DIR/mail

# fill TEMPLATE — the native configuration, with its loopback listeners
# opened to the compose network.
fill() {
    mail_fill "$HERE/mail/$1" | sed -e 's/^127\.0\.0\.1:\([0-9]\)/0.0.0.0:\1/' \
        -e 's/^\( *\)\(listen\|address\) = 127\.0\.0\.1$/\1\2 = */' -e 's/^inet_interfaces = .*/inet_interfaces = all/'
}

case "${1:-}" in
dovecot)
    mkdir -p "$m/tls" "$m/home/$TT_MAIL_USER"
    chmod 755 "$TT_DIR" "$m" "$m/home"
    chown "$TT_MAIL_OWNER:" "$m/home/$TT_MAIL_USER"
    [ -f "$m/tls/cert.pem" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
        -subj "/CN=dovecot" -keyout "$m/tls/key.pem" -out "$m/tls/cert.pem" > /dev/null 2>&1
    fill dovecot.conf.in > "$m/dovecot.conf"
    fill passwd.in > "$m/passwd"
    chgrp dovecot "$m/passwd" && chmod 640 "$m/passwd"
    exec dovecot -F -c "$m/dovecot.conf"
    ;;
mta)
    # Dovecot makes the certificate and the sockets Postfix hands mail to.
    while [ ! -S "$m/run/lmtp" ] || [ ! -f "$m/tls/cert.pem" ]; do sleep 0.5; done
    mkdir -p "$m/postfix/etc" "$m/postfix/queue"
    fill main.cf.in > "$m/postfix/etc/main.cf"
    fill master.cf.in > "$m/postfix/etc/master.cf"
    exec postfix -c "$m/postfix/etc" start-fg
    ;;
app)
    exec python3 docker/demo/app/app.py
    ;;
*)
    echo "usage: container.sh app|mta|dovecot" >&2
    exit 2
    ;;
esac
