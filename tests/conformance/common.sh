# common.sh — what the apps' app.sh files share; sourced by each.

# conf_stop PIDFILE — stop a server started with setsid, and every process
# it forked (PHP's server workers, Django's threads are one process): the
# pid is its session's leader, so its group is exactly this server.  A stale
# file naming a recycled pid that leads no session is left alone.
conf_stop() {
    local pid i=0
    [ -f "$1" ] || return 0
    pid=$(cat "$1")
    rm -f "$1"
    [ -n "$pid" ] && [ "$(ps -o sid= -p "$pid" 2> /dev/null | tr -d ' ')" = "$pid" ] || return 0
    kill -TERM -- -"$pid" 2> /dev/null
    while ps -o stat= -s "$pid" | grep -qv '^Z'; do
        i=$((i + 1))
        [ "$i" -gt 50 ] && { kill -KILL -- -"$pid" 2> /dev/null; break; }
        sleep 0.1
    done
}
