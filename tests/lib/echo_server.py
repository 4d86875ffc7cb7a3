#!/usr/bin/env python3
"""Dynamic endpoints nginx cannot serve alone: echo a request body back,
answer slowly, or accept connections and never answer (black hole).

usage: echo_server.py ECHO_PORT BLACKHOLE_PORT [SMTP_PORT_FILE [FILTERED_PORT]]

POST /mail {"to", "subject", "text", "html"} sends that e-mail through the
test MTA, as an application would (the SMTP port is read from the file when
the first mail is sent: the MTA starts after this helper).
"""
import email.message
import json
import smtplib
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _reply(self, status, body, ctype="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path.startswith("/echo"):
            self._reply(200, body, self.headers.get("Content-Type", "text/plain"))
        elif self.path.startswith("/mail"):
            req = json.loads(body)
            m = email.message.EmailMessage()
            m["From"] = req.get("from", "app@example.test")
            m["To"] = req["to"]
            m["Subject"] = req["subject"]
            m.set_content(req.get("text", ""))
            if req.get("html"):
                m.add_alternative(req["html"], subtype="html")
            port = int(open(SMTP_PORT_FILE).read())
            with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=10) as s:
                s.send_message(m)
            self._reply(202, "queued\n")
        else:
            self._reply(404, "not found\n")

    do_PUT = do_POST
    do_PATCH = do_POST

    def do_GET(self):
        if self.path.startswith("/slow"):
            time.sleep(5)
            self._reply(200, "finally\n")
        else:
            self._reply(404, "not found\n")


def blackhole(port):
    # Listen, never accept: the kernel completes the TCP handshake from the
    # backlog, so a client connects fine and then waits forever.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    while True:
        time.sleep(3600)


def filtered(port):
    # What a firewall that drops packets looks like, on loopback: a listen
    # queue of one, filled by our own connections, so the kernel drops
    # every further SYN and a client's connect times out.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(0)
    fillers = []
    for _ in range(3):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(c)
    while True:
        time.sleep(3600)


SMTP_PORT_FILE = None


def main():
    global SMTP_PORT_FILE
    echo_port, hole_port = int(sys.argv[1]), int(sys.argv[2])
    SMTP_PORT_FILE = sys.argv[3] if len(sys.argv) > 3 else None
    threading.Thread(target=blackhole, args=(hole_port,), daemon=True).start()
    if len(sys.argv) > 4:
        threading.Thread(target=filtered, args=(int(sys.argv[4]),), daemon=True).start()
    ThreadingHTTPServer(("127.0.0.1", echo_port), Handler).serve_forever()


if __name__ == "__main__":
    main()
