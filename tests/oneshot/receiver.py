#!/usr/bin/env python3
"""receiver.py PORTFILE LOG — a stand-in for a heartbeat endpoint or a
Pushgateway: answers every request, records each as one JSON line in LOG
(method, path, content type, body).  Binds 127.0.0.1 on a free port and
writes the port to PORTFILE once listening, so callers never race it.

Paths under /status/NNN/ answer with status NNN (ping error handling)."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with open(self.server.log, "a", encoding="utf-8") as f:
            f.write(json.dumps({
                "method": self.command,
                "path": self.path,
                "content_type": self.headers.get("Content-Type"),
                "user_agent": self.headers.get("User-Agent"),
                "body": body.decode("utf-8", "backslashreplace"),
            }) + "\n")
        status = 200
        parts = self.path.split("/")
        if len(parts) > 2 and parts[1] == "status":
            status = int(parts[2])
        reply = b"OK" if status < 400 else b"no such check\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_PUT = handle_any

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.log = sys.argv[2]
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
