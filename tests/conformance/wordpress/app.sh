# wordpress/app.sh — WordPress (PHP) on its own MariaDB, served by PHP's
# built-in server, its mail handed to the suite's Postfix by sendmail.
# Sourced by tests/conformance.sh after services_start:
#   wordpress_start   a private MariaDB (datadir, socket, port of its own;
#                     the system's mariadb service is never used), the site
#                     installed through WordPress's own installer, a second
#                     user made through its own registration; appends
#                     WORDPRESS_* lines to $CONF_ENV
#   wordpress_stop
#   wordpress_fault on|off   its database server stopped (started again)
WP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$WP_DIR/../common.sh"

# A throwaway server: no fsync (the suite's PostgreSQL runs with fsync=off).
wp_mariadb_start() {
    local d="$TT_DIR/wordpress"
    setsid mariadbd --no-defaults --user=mysql --datadir="$d/db" --socket="$d/run/mysqld.sock" --port="$WORDPRESS_DB_PORT" \
        --bind-address=127.0.0.1 --pid-file="$d/run/mysqld.pid" --log-error="$d/run/mysqld.log" --skip-name-resolve \
        --innodb-buffer-pool-size=16M --innodb-log-file-size=8M --skip-log-bin \
        --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-flush-method=nosync < /dev/null > /dev/null 2>&1 &
    echo $! > "$d/mysqld.pid"
    wait_for_port "$WORDPRESS_DB_PORT" "mariadb" || { tail -20 "$d/run/mysqld.log" >&2; return 1; }
}

wp_mariadb_stop() { conf_stop "$TT_DIR/wordpress/mysqld.pid"; }

wordpress_start() {
    local d="$TT_DIR/wordpress" url key
    mkdir -p "$d/db" "$d/run" "$d/wp-content"
    WORDPRESS_PORT=$(free_port)
    WORDPRESS_DB_PORT=$(free_port)
    WORDPRESS_DB_PASSWORD=wp-s3cr3t-pa55
    url="http://127.0.0.1:$WORDPRESS_PORT"
    chown mysql: "$d/db" "$d/run" # mariadbd runs as mysql
    mariadb-install-db --no-defaults --user=mysql --datadir="$d/db" --skip-test-db \
        --auth-root-authentication-method=socket > "$d/install-db.log" 2>&1 || { cat "$d/install-db.log" >&2; return 1; }
    wp_mariadb_start || return 1
    mariadb --no-defaults -S "$d/run/mysqld.sock" -u root <<SQL || return 1
CREATE DATABASE wordpress;
CREATE USER wp@'127.0.0.1' IDENTIFIED BY '$WORDPRESS_DB_PASSWORD';
GRANT ALL ON wordpress.* TO wp@'127.0.0.1';
SQL
    # Themes and plugins as packaged; nothing is written there.
    ln -s /var/lib/wordpress/wp-content/themes /var/lib/wordpress/wp-content/plugins "$d/wp-content/"
    key=$(head -c 24 /dev/urandom | base64)
    sed -e "s#@DIR@#$d#g" -e "s#@DB_PORT@#$WORDPRESS_DB_PORT#g" -e "s#@DB_PASSWORD@#$WORDPRESS_DB_PASSWORD#g" \
        -e "s#@URL@#$url#g" -e "s#@KEY@#$key#g" "$WP_DIR/wp-config.php.in" > "$d/wp-config.php"
    install -m 644 "$WP_DIR/config-telltale-conformance.php" /etc/wordpress/ || return 1
    # Workers: WordPress requests its own pages (the installer tests
    # permalinks), which a single-process server would answer only after
    # the request waiting for them timed out.
    PHP_CLI_SERVER_WORKERS=4 TT_WORDPRESS_CONFIG="$d/wp-config.php" setsid php -d "auto_prepend_file=$WP_DIR/prepend.php" \
        -d "sendmail_path=/usr/sbin/sendmail -t -i -C $TT_DIR/mail/postfix/etc" \
        -S "127.0.0.1:$WORDPRESS_PORT" -t /usr/share/wordpress < /dev/null > "$d/server.log" 2>&1 &
    echo $! > "$d/server.pid"
    wait_for_port "$WORDPRESS_PORT" "wordpress (php -S)" || { cat "$d/server.log" >&2; return 1; }
    # WordPress's own installer, as its first visitor fills it in.
    curl -sf -o "$d/install.html" "$url/wp-admin/install.php?step=2" --data-urlencode weblog_title=Conformance \
        --data-urlencode user_name=alice --data-urlencode admin_password=alice-s3cr3t-pa55 \
        --data-urlencode admin_password2=alice-s3cr3t-pa55 --data-urlencode pw_weak=1 \
        --data-urlencode admin_email=canary+wp-alice@example.test --data-urlencode blog_public=0 ||
        { echo "wordpress: the installer failed" >&2; tail -20 "$d/server.log" >&2; return 1; }
    grep -q "Success" "$d/install.html" || { echo "wordpress: the installer did not succeed" >&2; return 1; }
    # "Anyone can register" (Settings > General), then bob registers as a
    # visitor would; his password is set by the reset scenario each run.
    mariadb --no-defaults -S "$d/run/mysqld.sock" -u root wordpress \
        -e "UPDATE wp_options SET option_value = '1' WHERE option_name = 'users_can_register'" || return 1
    curl -sf -o /dev/null "$url/wp-login.php?action=register" --data-urlencode user_login=bob \
        --data-urlencode user_email=canary+wp-bob@example.test || { echo "wordpress: registering bob failed" >&2; return 1; }
    cat >> "$CONF_ENV" <<ENV
WORDPRESS_URL=$url
WORDPRESS_ALICE_PASSWORD=alice-s3cr3t-pa55
ENV
}

wordpress_stop() {
    conf_stop "$TT_DIR/wordpress/server.pid"
    wp_mariadb_stop
}

wordpress_fault() {
    if [ "$1" = on ]; then wp_mariadb_stop; else wp_mariadb_start; fi
}
