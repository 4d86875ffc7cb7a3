#!/usr/bin/env python3
"""receiver.py DIR — a webhook receiver for tests/serve.sh.

Listens on a free 127.0.0.1 port (written to DIR/port), appends every POST
body to DIR/<first path segment>.log, one body per line (bodies are JSON
objects, so a raw newline inside one would be a bug the test catches), and
answers 200 — or 500 while DIR/<segment>.fail exists."""
import http.server
import os
import sys

DIR = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        seg = self.path.strip("/").split("/")[0].split("?")[0] or "root"
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if os.path.exists(os.path.join(DIR, seg + ".fail")):
            with open(os.path.join(DIR, seg + ".refused"), "ab") as f:
                f.write(body.rstrip(b"\n") + b"\n")
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"down for the test")
            return
        with open(os.path.join(DIR, seg + ".log"), "ab") as f:
            f.write(body.rstrip(b"\n") + b"\n")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
