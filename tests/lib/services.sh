# services.sh — start and stop the real servers the tests talk to (nginx,
# a Python helper, PostgreSQL, pgbouncer), on
# loopback only, under one temp dir.  Source it, then:
#   services_start   sets TT_HTTP (nginx base URL), TT_BLACKHOLE_PORT, TT_CLOSED_PORT, TT_FILTERED_PORT
#   services_stop    stops everything it started (also on exit)
# Ports: a free range is picked per run so two runs never collide.

TT_DIR=${TT_DIR:-$(mktemp -d /tmp/telltale-test.XXXXXX)}
. "$(dirname "${BASH_SOURCE[0]}")/mail.sh"
TT_PIDS=""

. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

services_start() {
    root=${HERE:?services.sh needs HERE, the tests/ directory}
    TT_HTTP_PORT=$(free_port)
    TT_ECHO_PORT=$(free_port)
    TT_BLACKHOLE_PORT=$(free_port)
    TT_CLOSED_PORT=$(free_port) # nothing listens here: connection refused
    TT_FILTERED_PORT=$(free_port) # SYNs dropped: connect times out
    TT_TLS_PORT=$(free_port)
    mkdir -p "$TT_DIR/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
        -keyout "$TT_DIR/tls/key.pem" -out "$TT_DIR/tls/cert.pem" > /dev/null 2>&1 \
        || { echo "services: openssl could not make a test certificate" >&2; return 1; }
    mkdir -p "$TT_DIR/www/static"
    chmod 755 "$TT_DIR" # nginx workers run unprivileged
    head -c 2097152 /dev/zero | tr '\0' 'x' > "$TT_DIR/www/static/big.txt"
    cp "$root"/nginx/*.html "$TT_DIR/www/static/" 2>/dev/null || true
    sed -e "s#@DIR@#$TT_DIR#g" -e "s#@PORT@#$TT_HTTP_PORT#g" -e "s#@ECHO_PORT@#$TT_ECHO_PORT#g" -e "s#@TLS_PORT@#$TT_TLS_PORT#g" \
        -e "s#@ROOT@#$TT_DIR/www#g" "$root/nginx/nginx.conf.in" > "$TT_DIR/nginx.conf"
    # setsid: its own session, so it outlives a caller that exits (make demo).
    setsid python3 "$root/lib/echo_server.py" "$TT_ECHO_PORT" "$TT_BLACKHOLE_PORT" "$TT_DIR/smtp-port" "$TT_FILTERED_PORT" \
        < /dev/null > "$TT_DIR/echo_server.log" 2>&1 &
    TT_PIDS="$TT_PIDS $!"
    /usr/sbin/nginx -c "$TT_DIR/nginx.conf" -p "$TT_DIR" 2>"$TT_DIR/nginx-start.log" || {
        echo "services: nginx failed to start:" >&2
        cat "$TT_DIR/nginx-start.log" >&2
        return 1
    }
    wait_for_port "$TT_HTTP_PORT" nginx || return 1
    wait_for_port "$TT_ECHO_PORT" echo_server.py || return 1
    wait_for_port "$TT_TLS_PORT" "nginx (TLS)" || return 1
    TT_HTTP="http://127.0.0.1:$TT_HTTP_PORT"
    TT_HTTPS="https://127.0.0.1:$TT_TLS_PORT"
    export TT_HTTP TT_HTTPS TT_HTTP_PORT TT_BLACKHOLE_PORT TT_CLOSED_PORT TT_FILTERED_PORT TT_DIR
    postgres_start || return 1
    mail_start || return 1
    # The echo helper plays an app that sends mail: it learns the MTA now.
    printf '%s\n' "$TT_SMTP_PORT" > "$TT_DIR/smtp-port"
}

services_stop() {
    [ -n "${TT_SMTP_PORT:-}" ] && mail_stop
    postgres_stop
    if [ -f "$TT_DIR/nginx.pid" ]; then
        kill "$(cat "$TT_DIR/nginx.pid")" 2>/dev/null
        rm -f "$TT_DIR/nginx.pid"
    fi
    for p in $TT_PIDS; do kill "$p" 2>/dev/null; done
    TT_PIDS=""
}

# ---- PostgreSQL and pgbouncer (transaction pooling) ----
# A throwaway cluster in $TT_DIR/pg on a free loopback port, run as the
# postgres user (initdb refuses root); users: canary (reads) and writer.
# Sets TT_PG_DSN, TT_PG_WRITE_DSN, TT_PGB_DSN (through pgbouncer),
# TT_PG_PASSWORD.
TT_PG_PASSWORD=canary-s3cr3t-pa55

as_postgres() { runuser -u postgres -- "$@"; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }

postgres_start() {
    local bin; bin=$(pg_bin)
    TT_PG_PORT=$(free_port)
    TT_PGB_PORT=$(free_port)
    mkdir -p "$TT_DIR/pg" "$TT_DIR/pgsock"
    chown postgres "$TT_DIR/pg" "$TT_DIR/pgsock"
    printf '%s\n' "$TT_PG_PASSWORD" > "$TT_DIR/pg/pwfile"
    chown postgres "$TT_DIR/pg/pwfile"
    as_postgres "$bin/initdb" -D "$TT_DIR/pg/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 > "$TT_DIR/pg/initdb.log" 2>&1 || { cat "$TT_DIR/pg/initdb.log" >&2; return 1; }
    as_postgres "$bin/pg_ctl" -D "$TT_DIR/pg/data" -l "$TT_DIR/pg/server.log" -w -t 30 start \
        -o "-c listen_addresses=127.0.0.1 -c port=$TT_PG_PORT -c unix_socket_directories=$TT_DIR/pgsock -c fsync=off -c max_connections=50" \
        > /dev/null || { echo "services: PostgreSQL failed to start" >&2; cat "$TT_DIR/pg/server.log" >&2; return 1; }
    as_postgres psql -q -h "$TT_DIR/pgsock" -p "$TT_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL > /dev/null || return 1
CREATE ROLE canary LOGIN PASSWORD '$TT_PG_PASSWORD';
CREATE ROLE writer LOGIN PASSWORD '$TT_PG_PASSWORD';
CREATE DATABASE app OWNER writer;
SQL
    psql_app -q -v ON_ERROR_STOP=1 -f "$HERE/db/schema.sql" > /dev/null || return 1
    TT_PG_DSN="host=127.0.0.1 port=$TT_PG_PORT dbname=app user=canary password=$TT_PG_PASSWORD"
    TT_PG_WRITE_DSN="host=127.0.0.1 port=$TT_PG_PORT dbname=app user=writer password=$TT_PG_PASSWORD"
    pgbouncer_start || return 1
    TT_PGB_DSN="host=127.0.0.1 port=$TT_PGB_PORT dbname=app user=canary password=$TT_PG_PASSWORD"
    export TT_PG_PORT TT_PGB_PORT TT_PG_DSN TT_PG_WRITE_DSN TT_PGB_DSN TT_PG_PASSWORD
}

# psql as the app's owner, over the socket (trust), for setting up data.
psql_app() { as_postgres psql -h "$TT_DIR/pgsock" -p "$TT_PG_PORT" -U writer -d app "$@"; }

pgbouncer_start() {
    mkdir -p "$TT_DIR/pgb"
    cat > "$TT_DIR/pgb/pgbouncer.ini" <<INI
[databases]
app = host=127.0.0.1 port=$TT_PG_PORT dbname=app
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $TT_PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $TT_DIR/pgb/userlist.txt
pool_mode = transaction
default_pool_size = 4
logfile = $TT_DIR/pgb/pgbouncer.log
pidfile = $TT_DIR/pgb/pgbouncer.pid
INI
    printf '"canary" "%s"\n"writer" "%s"\n' "$TT_PG_PASSWORD" "$TT_PG_PASSWORD" > "$TT_DIR/pgb/userlist.txt"
    chown -R postgres "$TT_DIR/pgb"
    as_postgres pgbouncer -d "$TT_DIR/pgb/pgbouncer.ini" > /dev/null 2>&1 \
        || { echo "services: pgbouncer failed to start" >&2; cat "$TT_DIR/pgb/pgbouncer.log" >&2; return 1; }
    wait_for_port "$TT_PGB_PORT" pgbouncer
}

postgres_stop() {
    [ -f "$TT_DIR/pgb/pgbouncer.pid" ] && kill "$(cat "$TT_DIR/pgb/pgbouncer.pid")" 2>/dev/null
    [ -d "$TT_DIR/pg/data" ] && as_postgres "$(pg_bin)/pg_ctl" -D "$TT_DIR/pg/data" -m immediate -w stop > /dev/null 2>&1
    rm -f "$TT_DIR/pgb/pgbouncer.pid"
}
