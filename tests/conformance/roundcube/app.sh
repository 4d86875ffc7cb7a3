# roundcube/app.sh — Roundcube webmail (PHP) on SQLite, served by PHP's
# built-in server, reading the suite's Dovecot and sending through the
# suite's Postfix.  Sourced by tests/conformance.sh after services_start:
#   roundcube_start   config from config.inc.php.in, the schema Roundcube
#                     ships, the server on a free port; appends ROUNDCUBE_*
#                     lines to $CONF_ENV
#   roundcube_stop
#   roundcube_fault on|off   its mail relay (Postfix's submission service)
#                     stopped; port-25 SMTP, which the other apps use, stays
RC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$RC_DIR/../common.sh"

roundcube_start() {
    local d="$TT_DIR/roundcube"
    mkdir -p "$d/config" "$d/db" "$d/logs" "$d/temp"
    ROUNDCUBE_PORT=$(free_port)
    sed -e "s#@DIR@#$d#g" -e "s#@IMAP_PORT@#$TT_IMAP_PORT#g" -e "s#@SUBMISSION_PORT@#$TT_SUBMISSION_PORT#g" \
        -e "s#@MAIL_CA@#$TT_MAIL_CA#g" -e "s#@DOMAIN@#$TT_MAIL_DOMAIN#g" \
        -e "s#@DES_KEY@#$(head -c 18 /dev/urandom | base64)#g" "$RC_DIR/config.inc.php.in" > "$d/config/config.inc.php"
    ln -sf /etc/roundcube/defaults.inc.php /etc/roundcube/mimetypes.php "$d/config/"
    /usr/bin/python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).executescript(open(sys.argv[2]).read())' \
        "$d/db/roundcube.sqlite" /usr/share/roundcube/SQL/sqlite.initial.sql || return 1
    # Workers: scenarios run in parallel, as a web server's users do.
    PHP_CLI_SERVER_WORKERS=4 ROUNDCUBE_CONFIG_DIR="$d/config" setsid php -S "127.0.0.1:$ROUNDCUBE_PORT" -t /var/lib/roundcube/public_html \
        < /dev/null > "$d/server.log" 2>&1 &
    echo $! > "$d/server.pid"
    wait_for_port "$ROUNDCUBE_PORT" "roundcube (php -S)" || { cat "$d/server.log" >&2; return 1; }
    echo "ROUNDCUBE_URL=http://127.0.0.1:$ROUNDCUBE_PORT/" >> "$CONF_ENV"
}

roundcube_stop() { conf_stop "$TT_DIR/roundcube/server.pid"; }

# The submission listener is taken out of (put back into) master.cf, and
# Postfix reloads: connections to it are then refused.
roundcube_fault() {
    local etc="$TT_DIR/mail/postfix/etc"
    if [ "$1" = on ]; then
        cp "$etc/master.cf" "$TT_DIR/roundcube/master.cf.saved"
        postconf -c "$etc" -MX "127.0.0.1:$TT_SUBMISSION_PORT/inet" || return 1
    else
        cp "$TT_DIR/roundcube/master.cf.saved" "$etc/master.cf"
    fi
    touch -d '-1 minute' "$etc/master.cf"
    postfix -c "$etc" reload > /dev/null 2>&1
}
