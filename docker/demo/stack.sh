#!/bin/bash
# stack.sh up|down|status — the demo stack on loopback: nginx (static pages,
# a JSON API, cookies), PostgreSQL and pgbouncer, started with the test
# suite's own service scripts into /tmp/telltale-demo and left running
# between `make demo` runs.  `up` writes the stack's addresses to
# /tmp/telltale-demo/demo.env, a --vars-file for the scenarios.
set -eu
HERE=$(cd "$(dirname "$0")/../../tests" && pwd)
export TT_DIR=${TELLTALE_DEMO_DIR:-/tmp/telltale-demo}
ENV_FILE=$TT_DIR/demo.env
. "$HERE/lib/services.sh"

running() {
    [ -f "$ENV_FILE" ] && [ -f "$TT_DIR/nginx.pid" ] && kill -0 "$(cat "$TT_DIR/nginx.pid")" 2>/dev/null &&
        [ -f "$TT_DIR/pg/data/postmaster.pid" ]
}

case "${1:-}" in
up)
    if running; then
        echo "demo stack already running (addresses in $ENV_FILE)"
        exit 0
    fi
    rm -rf "$TT_DIR"
    mkdir -p "$TT_DIR"
    # setsid: the helpers must outlive this script and make's shell.
    services_start
    cat > "$ENV_FILE" <<ENV
# The demo stack's addresses, for telltale --vars-file.
BASE_URL=$TT_HTTP
DB_DSN=$TT_PG_DSN
DB_POOLED_DSN=$TT_PGB_DSN
ECHO_PID_LIST=$TT_PIDS
ENV
    echo "demo stack up: $TT_HTTP, PostgreSQL on 127.0.0.1:$TT_PG_PORT, pgbouncer on 127.0.0.1:$TT_PGB_PORT"
    ;;
down)
    if [ -f "$ENV_FILE" ]; then
        TT_PIDS=$(sed -n 's/^ECHO_PID_LIST=//p' "$ENV_FILE")
        services_stop
    fi
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
