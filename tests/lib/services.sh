# services.sh — start and stop the real servers the tests talk to, on
# loopback only, under one temp dir.  Source it, then:
#   services_start   sets TT_HTTP (nginx base URL), TT_BLACKHOLE_PORT, TT_CLOSED_PORT
#   services_stop    stops everything it started (also on exit)
# Ports: a free range is picked per run so two runs never collide.

TT_DIR=${TT_DIR:-$(mktemp -d /tmp/telltale-test.XXXXXX)}
TT_PIDS=""

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for_port PORT WHAT — fail with a message instead of hanging.
wait_for_port() {
    i=0
    while ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -gt 100 ]; then
            echo "services: $2 did not start listening on 127.0.0.1:$1 within 10s" >&2
            return 1
        fi
        sleep 0.1
    done
}

services_start() {
    root=${HERE:?services.sh needs HERE, the tests/ directory}
    TT_HTTP_PORT=$(free_port)
    TT_ECHO_PORT=$(free_port)
    TT_BLACKHOLE_PORT=$(free_port)
    TT_CLOSED_PORT=$(free_port) # nothing listens here: connection refused
    mkdir -p "$TT_DIR/www/static"
    chmod 755 "$TT_DIR" # nginx workers run unprivileged
    head -c 2097152 /dev/zero | tr '\0' 'x' > "$TT_DIR/www/static/big.txt"
    cp "$root"/nginx/*.html "$TT_DIR/www/static/" 2>/dev/null || true
    sed -e "s#@DIR@#$TT_DIR#g" -e "s#@PORT@#$TT_HTTP_PORT#g" -e "s#@ECHO_PORT@#$TT_ECHO_PORT#g" \
        -e "s#@ROOT@#$TT_DIR/www#g" "$root/nginx/nginx.conf.in" > "$TT_DIR/nginx.conf"
    python3 "$root/lib/echo_server.py" "$TT_ECHO_PORT" "$TT_BLACKHOLE_PORT" &
    TT_PIDS="$TT_PIDS $!"
    /usr/sbin/nginx -c "$TT_DIR/nginx.conf" -p "$TT_DIR" 2>"$TT_DIR/nginx-start.log" || {
        echo "services: nginx failed to start:" >&2
        cat "$TT_DIR/nginx-start.log" >&2
        return 1
    }
    wait_for_port "$TT_HTTP_PORT" nginx || return 1
    wait_for_port "$TT_ECHO_PORT" echo_server.py || return 1
    TT_HTTP="http://127.0.0.1:$TT_HTTP_PORT"
    export TT_HTTP TT_HTTP_PORT TT_BLACKHOLE_PORT TT_CLOSED_PORT TT_DIR
}

services_stop() {
    if [ -f "$TT_DIR/nginx.pid" ]; then
        kill "$(cat "$TT_DIR/nginx.pid")" 2>/dev/null
        rm -f "$TT_DIR/nginx.pid"
    fi
    for p in $TT_PIDS; do kill "$p" 2>/dev/null; done
    TT_PIDS=""
}
