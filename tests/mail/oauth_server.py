#!/usr/bin/env python3
"""oauth_server.py PORT PIDFILE — the test suite's OAuth 2.0 provider on loopback.

One small HTTP server plays both sides a mail provider runs:
  POST /token       the token endpoint (RFC 6749): refresh_token and
                    client_credentials grants for the one test client
  POST /introspect  token introspection (RFC 7662) for Dovecot's oauth2
                    passdb (introspection_mode = post): {"active": true,
                    "username": "canary"} while a token issued here lives
And for the tests:
  POST /revoke      refresh_token=R: from now on R is refused (invalid_grant)
  GET  /count?refresh_token=R   {"token": grants answered for R,
                    "introspect": introspections so far}
  GET  /issued      {"tokens": every access token issued}, for tests that
                    grep outputs for them

Refresh tokens are made up by the tests: any "rt-..." is valid until
revoked.  "rt-ttlN-..." gets tokens that live N seconds and say so
(expires_in N); "rt-lieN-..." gets tokens that live N seconds but claim
an hour, as a provider that revokes early does; others live an hour.
"""
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = "telltale-test-client"
CLIENT_SECRET = "client-s3cr3t-0auth"
USER = "canary"

lock = threading.Lock()
tokens = {}  # access token -> expiry (time.time())
revoked = set()
grants = {}  # refresh token (or "client_credentials") -> count
introspections = 0


def lifetime(refresh_token):
    """(real lifetime, what expires_in says) for tokens minted from it."""
    for prefix, lie in (("rt-ttl", False), ("rt-lie", True)):
        if refresh_token.startswith(prefix):
            n = int(refresh_token[len(prefix):].split("-", 1)[0])
            return n, 3600 if lie else n
    return 3600, 3600


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (time.strftime("%H:%M:%S"), fmt % args))

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def form(self):
        n = int(self.headers.get("Content-Length") or 0)
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(n).decode()).items()}

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/issued":
            with lock:
                return self.answer(200, {"tokens": sorted(tokens)})
        if url.path != "/count":
            return self.answer(404, {"error": "not_found"})
        q = dict(urllib.parse.parse_qsl(url.query))
        with lock:
            self.answer(200, {"token": grants.get(q.get("refresh_token", ""), 0), "introspect": introspections})

    def do_POST(self):
        global introspections
        form = self.form()
        if self.path == "/introspect":
            with lock:
                introspections += 1
                expiry = tokens.get(form.get("token", ""))
            if expiry and expiry > time.time():
                return self.answer(200, {"active": True, "username": USER, "scope": "mail"})
            return self.answer(200, {"active": False})
        if self.path == "/revoke":
            with lock:
                revoked.add(form.get("refresh_token", ""))
            return self.answer(200, {})
        if self.path != "/token":
            return self.answer(404, {"error": "not_found"})
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self.answer(401, {"error": "invalid_client", "error_description": "The OAuth client was not found."})
        grant = form.get("grant_type")
        if grant == "refresh_token":
            rt = form.get("refresh_token", "")
            with lock:
                grants[rt] = grants.get(rt, 0) + 1
            if not rt.startswith("rt-") or rt in revoked:
                return self.answer(400, {"error": "invalid_grant",
                                         "error_description": "Token has been expired or revoked."})
            real, claimed = lifetime(rt)
        elif grant == "client_credentials":
            with lock:
                grants["client_credentials"] = grants.get("client_credentials", 0) + 1
            real, claimed = 3600, 3600
        else:
            return self.answer(400, {"error": "unsupported_grant_type"})
        token = "at-" + secrets.token_hex(20)
        with lock:
            tokens[token] = time.time() + real
        self.answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": claimed,
                          "scope": form.get("scope", "mail")})


def main():
    port, pidfile = int(sys.argv[1]), sys.argv[2]
    # Started under setsid(1): this pid leads its own session, so
    # mail_stop_session ends exactly this process.
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    with open(pidfile, "w") as f:
        f.write("%d\n" % os.getpid())
    server.serve_forever()


if __name__ == "__main__":
    main()
