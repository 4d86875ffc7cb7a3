# ports.sh — loopback ports for the servers a test starts.  Sourced by
# services.sh and harness.sh.
#   free_port            a port nothing listens on now (the kernel's pick)
#   wait_for_port PORT WHAT
#                        wait up to 10 s for 127.0.0.1:PORT to accept, or
#                        say that WHAT did not start and return 1

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() {
    local i=0
    while ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -gt 100 ]; then
            echo "$2 did not start listening on 127.0.0.1:$1 within 10s" >&2
            return 1
        fi
        sleep 0.1
    done
}
