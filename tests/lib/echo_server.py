#!/usr/bin/env python3
"""Dynamic endpoints nginx cannot serve alone: echo a request body back,
answer slowly, or accept connections and never answer (black hole).

usage: echo_server.py ECHO_PORT BLACKHOLE_PORT [SMTP_PORT_FILE [FILTERED_PORT]]

POST /mail {"to", "subject", "text", "html"} sends that e-mail through the
test MTA, as an application would (the SMTP port is read from the file when
the first mail is sent: the MTA starts after this helper).

/app/... (nginx proxies it, Host kept) plays a web application for the
browser-like HTTP tests: see app() below.
"""
import email.message
import email.parser
import email.policy
import gzip
import json
import smtplib
import socket
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_bomb = None
_bomb_lock = threading.Lock()


def bomb():
    # 1 GiB of zeros, gzipped (about 4 MB): built once, on first use.
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            c = zlib.compressobj(1, zlib.DEFLATED, 31)  # fast: a few MB
            chunk = bytes(1 << 20)
            _bomb = b"".join(c.compress(chunk) for _ in range(1024)) + c.flush()
        return _bomb


def brotli_uncompressed(data):
    # A brotli stream of uncompressed meta-blocks (RFC 7932 §9.2): no
    # encoder on this machine, and none is needed to test a decoder.
    bits, out = [], bytearray()

    def put(value, n):
        for i in range(n):
            bits.append((value >> i) & 1)

    put(0, 1)  # WBITS = 16
    for i in range(0, len(data), 65536):
        block = data[i:i + 65536]
        put(0, 1)  # ISLAST = 0
        put(0, 2)  # MNIBBLES = 4
        put(len(block) - 1, 16)  # MLEN - 1
        put(1, 1)  # ISUNCOMPRESSED
        while len(bits) % 8:
            bits.append(0)
        for j in range(0, len(bits), 8):
            out.append(sum(b << k for k, b in enumerate(bits[j:j + 8])))
        bits.clear()
        out += block
    put(1, 1)  # ISLAST
    put(1, 1)  # ISLASTEMPTY
    while len(bits) % 8:
        bits.append(0)
    for j in range(0, len(bits), 8):
        out.append(sum(b << k for k, b in enumerate(bits[j:j + 8])))
    return bytes(out)


def multipart_parts(ctype, body):
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
    parts = []
    for part in msg.iter_parts():
        seen = {
            "name": part.get_param("name", header="content-disposition"),
            "filename": part.get_param("filename", header="content-disposition"),
            "type": part.get_content_type() if part.get("Content-Type") else None,
            "value": part.get_payload(decode=True).decode("utf-8", "replace"),
        }
        parts.append({k: v for k, v in seen.items() if v is not None})
    return parts


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _reply(self, status, body, ctype="text/plain", headers=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def app(self):
        """The web application under /app/:
        /app/echo[/...][?...]      what arrived, as JSON (method, path, query,
                                   content_type, body, parts, headers)
        /app/redirect?status=N&to=URL   answers N with Location: URL
        /app/chain                 302 to /app/forbidden, which answers 403
        /app/login (POST)          sets a session cookie, 302 to /app/dashboard
        /app/dashboard             200 for a GET with the cookie, else 405/403
        /app/gzip, /app/deflate, /app/br   a compressed text body
        /app/bomb                  1 GiB of zeros, gzipped
        /app/latin1, /app/latin1-meta      an ISO-8859-1 page (header / <meta>)
        /app/cookies               two Set-Cookie headers with Expires
        """
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        body = self._body()
        path = url.path
        if path.startswith("/app/echo"):
            ctype = self.headers.get("Content-Type")
            seen = {
                "method": self.command, "path": path, "query": url.query, "content_type": ctype,
                "content_length": self.headers.get("Content-Length"),
                "body": body.decode("utf-8", "replace"),
                "headers": {k.lower(): v for k, v in self.headers.items()},
            }
            if ctype and ctype.startswith("multipart/form-data"):
                seen["parts"] = multipart_parts(ctype, body)
            seen = {k: v for k, v in seen.items() if v is not None}  # absent, not JSON null
            return self._reply(200, json.dumps(seen), "application/json")
        if path == "/app/redirect":
            self.send_response(int(query["status"][0]))
            self.send_header("Location", query["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/app/chain":
            return self._redirect(302, "/app/forbidden")
        if path == "/app/forbidden":
            return self._reply(403, "forbidden\n")
        if path == "/app/login":
            if self.command != "POST":
                return self._reply(405, "POST only\n")
            self.send_response(302)
            self.send_header("Set-Cookie", "sid=s3cr3t-session; Path=/app; HttpOnly")
            self.send_header("Location", "/app/dashboard")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/app/dashboard":
            if self.command != "GET":
                return self._reply(405, "dashboard: GET only, got %s\n" % self.command)
            if "sid=s3cr3t-session" not in self.headers.get("Cookie", ""):
                return self._reply(403, "no session\n")
            return self._reply(200, "<title>Dashboard</title><h1>Welcome</h1>", "text/html")
        if path in ("/app/gzip", "/app/deflate", "/app/br"):
            text = ("compressed hello " * 100).encode()
            data = {"/app/gzip": gzip.compress, "/app/deflate": zlib.compress,
                    "/app/br": brotli_uncompressed}[path](text)
            return self._reply(200, data, "text/plain",
                               {"Content-Encoding": {"/app/gzip": "gzip", "/app/deflate": "deflate",
                                                     "/app/br": "br"}[path]})
        if path == "/app/bomb":
            return self._reply(200, bomb(), "text/plain", {"Content-Encoding": "gzip"})
        if path == "/app/latin1":
            return self._reply(200, "<title>Caf\xe9</title><p>caf\xe9 cr\xe8me \x80</p>".encode("latin-1"),
                               "text/html; charset=ISO-8859-1")
        if path == "/app/latin1-meta":
            page = '<html><head><meta charset="iso-8859-1"><title>x</title></head><p>caf\xe9</p>'
            return self._reply(200, page.encode("latin-1"), "text/html")
        if path == "/app/cookies":
            self.send_response(200)
            self.send_header("Set-Cookie", "first=one; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/app; HttpOnly")
            self.send_header("Set-Cookie", "second=two; Expires=Thu, 22 Oct 2037 07:28:00 GMT; Path=/; Secure; "
                                           "SameSite=Lax")
            self.send_header("Set-Cookie", "third=three; Path=/app/cookies/deeper")
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")
            return
        return self._reply(404, "no such app page\n")

    def _redirect(self, status, to):
        self.send_response(status)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        if self.path.startswith("/app/"):
            return self.app()
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
    do_DELETE = do_POST

    def do_GET(self):
        if self.path.startswith("/app/"):
            return self.app()
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
