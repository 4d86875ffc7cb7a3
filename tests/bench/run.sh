#!/bin/bash
# tests/bench/run.sh — build the baseline, start nginx on loopback, run
# the benchmarks (run.py), stop nginx.  `make bench` calls this.
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
. "$HERE/lib/services.sh"
trap 'services_stop; rm -rf "$TT_DIR"' EXIT
cc -O2 -o "$TT_DIR/floor" "$HERE/bench/floor.c" $(pkg-config --cflags --libs libcurl)
cc -O2 -o "$TT_DIR/floor_pq" "$HERE/bench/floor_pq.c" $(pkg-config --cflags --libs libpq)
cc -O2 -o "$TT_DIR/floor_flow" "$HERE/bench/floor_flow.c" $(pkg-config --cflags --libs libcurl lua5.4)
# Redaction alone, against the engine's own redact.c (no servers needed).
cc -O2 -std=c11 -D_GNU_SOURCE -iquote "$HERE/../runner" -o "$TT_DIR/redact_bench" "$HERE/bench/redact_bench.c" \
    "$HERE/../runner/redact.c" "$HERE/../runner/buf.c" "$HERE/../runner/xalloc.c" -lpthread
services_start
python3 "$HERE/bench/run.py" "$(pwd)/telltale" "$TT_DIR/floor" "$TT_HTTP" "$TT_DIR/floor_pq" "$TT_PG_DSN" \
    "runuser -u postgres -- psql -h $TT_DIR/pgsock -p $TT_PG_PORT -U writer -d app" "$TT_DIR/redact_bench"
python3 "$HERE/bench/mail.py" "$(pwd)/telltale" "$TT_SMTP_PORT" "$TT_IMAP_PORT" "$TT_MAIL_PASSWORD"
python3 "$HERE/bench/scale.py" "$(pwd)/telltale" "$TT_DIR/floor_flow" "$TT_HTTP"
python3 "$HERE/bench/browser.py" "$(pwd)/telltale" "$TT_HTTP"
