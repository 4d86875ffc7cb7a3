# django/app.sh — contrib.auth on PostgreSQL, run by Django's own server.
# Sourced by tests/conformance.sh after services_start; defines
#   django_start   its database (in the suite's cluster), migrations, two
#                  users through manage.py, the server on a free port;
#                  appends DJANGO_* lines to $CONF_ENV
#   django_stop
#   django_fault on|off   the database made read-only (and every open
#                  connection dropped, as a failover to a replica would)
DJANGO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$DJANGO_DIR/../common.sh"

# Debian's Django is in the system Python (python3 on PATH may be another).
django_manage() { env "${DJANGO_ENV[@]}" /usr/bin/python3 -m django "$@"; }

django_start() {
    local d="$TT_DIR/django"
    mkdir -p "$d"
    DJANGO_ENV=(PYTHONPATH="$DJANGO_DIR" DJANGO_SETTINGS_MODULE=settings
        DJANGO_SECRET_KEY="$(head -c 32 /dev/urandom | base64)" DJANGO_DB_PORT="$TT_PG_PORT"
        DJANGO_DB_NAME=django DJANGO_DB_USER=writer DJANGO_DB_PASSWORD="$TT_PG_PASSWORD"
        DJANGO_SMTP_PORT="$TT_SMTP_PORT")
    DJANGO_PORT=$(free_port)
    as_postgres psql -q -h "$TT_DIR/pgsock" -p "$TT_PG_PORT" -U postgres -d postgres \
        -c "CREATE DATABASE django OWNER writer" > /dev/null || return 1
    django_manage migrate --noinput > "$d/migrate.log" 2>&1 || { cat "$d/migrate.log" >&2; return 1; }
    # alice signs in with a fixed password; bob's is reset by every run.
    DJANGO_ALICE_PASSWORD=alice-s3cr3t-pa55
    DJANGO_SUPERUSER_PASSWORD=$DJANGO_ALICE_PASSWORD django_manage createsuperuser --noinput \
        --username alice --email canary+django-alice@example.test > "$d/users.log" 2>&1 &&
        DJANGO_SUPERUSER_PASSWORD=bob-first-s3cr3t-pa55 django_manage createsuperuser --noinput \
            --username bob --email canary+django-bob@example.test >> "$d/users.log" 2>&1 ||
        { cat "$d/users.log" >&2; return 1; }
    psql_app -d django -q -c "GRANT SELECT ON auth_user TO canary" > /dev/null || return 1
    setsid env "${DJANGO_ENV[@]}" /usr/bin/python3 -m django runserver --noreload "127.0.0.1:$DJANGO_PORT" \
        < /dev/null > "$d/server.log" 2>&1 &
    echo $! > "$d/server.pid"
    wait_for_port "$DJANGO_PORT" "django runserver" || { cat "$d/server.log" >&2; return 1; }
    cat >> "$CONF_ENV" <<ENV
DJANGO_URL=http://127.0.0.1:$DJANGO_PORT
DJANGO_DB=host=127.0.0.1 port=$TT_PG_PORT dbname=django user=canary password=$TT_PG_PASSWORD
DJANGO_ALICE_PASSWORD=$DJANGO_ALICE_PASSWORD
ENV
}

django_stop() { conf_stop "$TT_DIR/django/server.pid"; }

django_fault() {
    local ro=off
    [ "$1" = on ] && ro=on
    as_postgres psql -q -h "$TT_DIR/pgsock" -p "$TT_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 > /dev/null <<SQL
ALTER DATABASE django SET default_transaction_read_only = $ro;
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'django' AND pid <> pg_backend_pid();
SQL
}
