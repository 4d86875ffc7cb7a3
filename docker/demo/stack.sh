#!/bin/bash
# stack.sh up|down|status — the demo stack on loopback: the demo app
# (docker/demo/app/) in front of PostgreSQL and a real mail stack (Postfix
# delivering to Dovecot), started with the test suite's own service scripts
# into /tmp/telltale-demo (TELLTALE_DEMO_DIR) and left running between
# `make demo` runs.
#
# `up` writes demo.env there: a --vars-file for scenarios/ (BASE_URL,
# DB_DSN, IMAP_URL, MAIL_USER, MAIL_PASSWORD, SMTP_URL, REPORT_FILE).  Run
# again while the stack is up, it reuses it.  DEMO_REPORT_INTERVAL (seconds,
# default 5) sets how often the report job runs.
set -eu
HERE=$(cd "$(dirname "$0")/../../tests" && pwd)
DEMO=$(cd "$(dirname "$0")" && pwd)
export TT_DIR=${TELLTALE_DEMO_DIR:-/tmp/telltale-demo}
ENV_FILE=$TT_DIR/demo.env
STATE=$TT_DIR/stack.state
# The system Python: python3-psycopg2 is installed for it, not for a
# python3 some version manager may put first on PATH.
PY=/usr/bin/python3
. "$HERE/lib/services.sh"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

running() {
    [ -f "$ENV_FILE" ] && alive "$TT_DIR/nginx.pid" && alive "$TT_DIR/app.pid" &&
        [ -f "$TT_DIR/pg/data/postmaster.pid" ] && [ -f "$TT_DIR/mail/run/master.pid" ]
}

# The app's database: "demo", owned by the app's user, readable by canary.
demo_db() {
    as_postgres psql -q -h "$TT_DIR/pgsock" -p "$TT_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE DATABASE demo OWNER writer" > /dev/null || return 1
    as_postgres psql -q -h "$TT_DIR/pgsock" -p "$TT_PG_PORT" -U writer -d demo -v ON_ERROR_STOP=1 \
        < "$DEMO/schema.sql" > /dev/null
}

app_start() {
    APP_PORT=$(free_port)
    EGRESS_PORT=$(free_port)
    mkdir -p "$TT_DIR/reports"
    DEMO_PORT=$APP_PORT DEMO_EGRESS_PORT=$EGRESS_PORT DEMO_MTA=127.0.0.1:$TT_SMTP_PORT \
        DEMO_DSN="host=127.0.0.1 port=$TT_PG_PORT dbname=demo user=writer password=$TT_PG_PASSWORD" \
        DEMO_REPORT_FILE=$TT_DIR/reports/daily.csv DEMO_REPORT_INTERVAL=${DEMO_REPORT_INTERVAL:-5} \
        setsid "$PY" "$DEMO/app/app.py" < /dev/null > "$TT_DIR/app.log" 2>&1 &
    echo $! > "$TT_DIR/app.pid"
    wait_for_port "$APP_PORT" "the demo app" || { tail -n 20 "$TT_DIR/app.log" >&2; return 1; }
    # Ready once its report job has run: a report that is not there yet
    # is not a stale one.
    local i=0
    while [ ! -f "$TT_DIR/reports/daily.csv" ]; do
        i=$((i + 1))
        if [ "$i" -gt 100 ]; then
            echo "demo app: no report within 10s" >&2
            tail -n 20 "$TT_DIR/app.log" >&2
            return 1
        fi
        sleep 0.1
    done
    printf 'TT_PIDS="%s"\nTT_SMTP_PORT=%s\n' "$TT_PIDS" "$TT_SMTP_PORT" > "$STATE"
}

stop_all() {
    # What `up` recorded: the pids and ports services_stop needs.
    # shellcheck source=/dev/null
    [ -f "$STATE" ] && . "$STATE"
    alive "$TT_DIR/app.pid" && kill "$(cat "$TT_DIR/app.pid")"
    # By its pid files, even for a stack `up` did not finish recording.
    mail_stop
    services_stop
}

case "${1:-}" in
up)
    if running; then
        echo "demo stack already running (addresses in $ENV_FILE)"
        exit 0
    fi
    if [ -d "$TT_DIR" ]; then stop_all 2>/dev/null || true; fi
    rm -rf "$TT_DIR"
    mkdir -p "$TT_DIR"
    # The helpers are started with setsid: they outlive this script and make's shell.
    # A half-started stack is stopped again, not left behind.
    if ! { services_start && demo_db && app_start; }; then
        echo "demo stack: could not start (logs in $TT_DIR)" >&2
        stop_all
        exit 1
    fi
    cat > "$ENV_FILE" <<ENV
# The demo stack's addresses, for telltale --vars-file.
BASE_URL=http://127.0.0.1:$APP_PORT
DB_DSN=host=127.0.0.1 port=$TT_PG_PORT dbname=demo user=canary password=$TT_PG_PASSWORD
IMAP_URL=imap://127.0.0.1:$TT_IMAP_PORT/INBOX
MAIL_USER=$TT_MAIL_USER
MAIL_PASSWORD=$TT_MAIL_PASSWORD
# The app's own route to its MTA: what the egress probe checks.
SMTP_URL=smtp://127.0.0.1:$EGRESS_PORT
REPORT_FILE=$TT_DIR/reports/daily.csv
ENV
    echo "demo stack up: app http://127.0.0.1:$APP_PORT, PostgreSQL 127.0.0.1:$TT_PG_PORT," \
        "SMTP 127.0.0.1:$TT_SMTP_PORT (app's route 127.0.0.1:$EGRESS_PORT), IMAP 127.0.0.1:$TT_IMAP_PORT," \
        "report $TT_DIR/reports/daily.csv"
    echo "logs: $TT_DIR/app.log, $TT_DIR/mail/postfix.log, $TT_DIR/pg/server.log"
    ;;
down)
    if [ -d "$TT_DIR" ]; then stop_all; fi
    rm -rf "$TT_DIR"
    echo "demo stack stopped"
    ;;
status)
    if running; then echo "running: $(grep BASE_URL "$ENV_FILE")"; else echo "not running"; exit 1; fi
    ;;
*)
    echo "usage: stack.sh up|down|status" >&2
    exit 2
    ;;
esac
