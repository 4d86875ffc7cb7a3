#!/usr/bin/env python3
"""The demo app: a small SaaS back end for telltale's example scenarios.

Sign-up with e-mail confirmation, password reset, a project's tech stack and
the rules personalised from it, support routing, a periodic report and
/health — over PostgreSQL (psycopg2), sending mail through an outbox, a
mailer thread and the stack's MTA.

Each known incident has a fault switch, off by default:

  smtp_blocked     the app's route to the MTA black-holes connections
  mail_stuck       the mailer retries forever and never delivers
  poisoned_pool    the ETL's write violates a foreign key, and the aborted
                   connection goes back into the shared pool
  key_drift        /sync/report writes the stack under a key nobody reads
  report_job_dies  the report job exits 0 with no output, doing nothing
  hang             every request is accepted and never answered
  misroute         "password" questions are routed to billing
  bundle_404       the sign-up page's JavaScript bundle (/app/app.js) 404s
                   after a deploy: the page shows, the form does nothing
  handler_throws   the new bundle's submit handler throws (a config object
                   the deploy forgot): every API behind it still answers
  csp_blocks_api   the page's Content-Security-Policy no longer allows the
                   API call the form makes

Switch them with DEMO_FAULTS=a,b at start, or at run time from loopback:
  curl -X POST http://127.0.0.1:PORT/admin/fault/NAME?state=on   (or off)
  curl http://127.0.0.1:PORT/admin/faults

Configuration (environment): DEMO_PORT, DEMO_BIND (127.0.0.1), DEMO_DSN,
DEMO_PUBLIC_URL (base of the links in mail), DEMO_MTA (host:port),
DEMO_EGRESS_PORT (where the app's own SMTP route listens), DEMO_MAIL_FROM,
DEMO_REPORT_FILE, DEMO_REPORT_INTERVAL (seconds), DEMO_ETL_INTERVAL.
"""
import contextlib
import hashlib
import html
import json
import os
import queue
import secrets
import smtplib
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2

FAULTS = dict.fromkeys(
    ("smtp_blocked", "mail_stuck", "poisoned_pool", "key_drift", "report_job_dies", "hang", "misroute",
     "bundle_404", "handler_throws", "csp_blocks_api"), False)
UNHUNG = threading.Event()  # cleared while the "hang" fault is on
UNHUNG.set()
MAIL_WAKE = threading.Event()
CONF = {}
POOL = None


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


# ---- database ----

class Pool:
    """The app's shared connection pool: psycopg2 connections in a queue,
    handed out and taken back as they are.  psycopg2.pool would roll a
    connection back on putconn; this one, like many hand-rolled pools, does
    not — the latent half of incident 3."""

    def __init__(self, dsn, size):
        self.size = size
        self.q = queue.Queue()
        for _ in range(size):
            self.q.put(psycopg2.connect(dsn, application_name="demo-app"))

    def get(self):
        return self.q.get(timeout=10)

    def put(self, conn):
        self.q.put(conn)

    def each(self, fn):
        """Run fn(conn) on every connection of the pool, once each."""
        conns = [self.get() for _ in range(self.size)]
        try:
            for c in conns:
                fn(c)
        finally:
            for c in conns:
                self.put(c)

    def reset(self):
        """What restarting the app does: every connection rolled back."""
        self.each(lambda c: c.rollback())


@contextlib.contextmanager
def cursor(conn=None):
    """A transaction on a pooled connection, committed when the block ends.
    No rollback on the error path: harmless until some statement fails, and
    then the connection stays "current transaction is aborted" for whoever
    gets it next."""
    own = conn is None
    conn = conn or POOL.get()
    try:
        with conn.cursor() as cur:
            yield cur
        conn.commit()
    finally:
        if own:
            POOL.put(conn)


def password_hash(password, salt=None):
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()
    return salt + "$" + digest


def password_ok(password, stored):
    return secrets.compare_digest(password_hash(password, stored.split("$", 1)[0]), stored)


# ---- mail: outbox, mailer thread, and the route to the MTA ----

def queue_mail(cur, to, subject, body):
    cur.execute("INSERT INTO outbox (to_addr, subject, body) VALUES (%s, %s, %s)", (to, subject, body))
    MAIL_WAKE.set()


def deliver(to, subject, body):
    if FAULTS["mail_stuck"]:
        # Stands for a mailer whose every attempt fails the same transient
        # way (stale credentials, a TLS setting): it retries, and says nothing.
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    m = EmailMessage()
    m["From"] = CONF["mail_from"]
    m["To"] = to
    m["Subject"] = subject
    m.set_content(body)
    with smtplib.SMTP("127.0.0.1", CONF["egress_port"], local_hostname="demo-app", timeout=3) as s:
        s.send_message(m)


def mailer():
    """Send what the outbox holds; a failed message is retried 1 s later,
    forever, and the error only lands in the outbox row."""
    while True:
        MAIL_WAKE.wait(1)
        MAIL_WAKE.clear()
        try:
            with cursor() as cur:
                cur.execute("SELECT id, to_addr, subject, body FROM outbox"
                            " WHERE sent_at IS NULL AND next_try <= now() ORDER BY id LIMIT 20")
                rows = cur.fetchall()
            for mid, to, subject, body in rows:
                try:
                    deliver(to, subject, body)
                    with cursor() as cur:
                        cur.execute("UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = %s", (mid,))
                except (OSError, smtplib.SMTPException) as e:
                    with cursor() as cur:
                        cur.execute("UPDATE outbox SET attempts = attempts + 1, last_error = %s,"
                                    " next_try = now() + interval '1 second' WHERE id = %s", (str(e) or repr(e), mid))
        except Exception as e:  # noqa: BLE001 — the incident: errors swallowed
            log("mailer:", e)


HELD = []  # connections the black-holed route has accepted and ignores


def egress(port, mta_host, mta_port):
    """The app's route to its MTA (a relay standing for the network path and
    its firewall).  With smtp_blocked on, connections are accepted and never
    answered, as a black-holing firewall rule on port 25 looks from inside."""
    srv = socket.create_server((CONF["bind"], port))
    while True:
        client, _ = srv.accept()
        if FAULTS["smtp_blocked"]:
            HELD.append(client)
            continue
        try:
            upstream = socket.create_connection((mta_host, mta_port), timeout=5)
        except OSError as e:
            log("egress: MTA unreachable:", e)
            client.close()
            continue
        upstream.settimeout(None)
        threading.Thread(target=relay, args=(client, upstream), daemon=True).start()


def relay(client, upstream):
    back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
    back.start()
    pipe(client, upstream)
    back.join()
    client.close()
    upstream.close()


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


# ---- background jobs: ETL and the report ----

def etl_once(conn=None):
    """Copy new sign-ups into activity.  With poisoned_pool on, a partner
    feed row names a user that does not exist: the foreign key refuses it,
    and the exception leaves the connection aborted, back in the pool."""
    with cursor(conn) as cur:
        cur.execute("INSERT INTO activity (user_id, kind) SELECT id, 'signup' FROM users"
                    " ON CONFLICT DO NOTHING")
        if FAULTS["poisoned_pool"]:
            cur.execute("INSERT INTO activity (user_id, kind) VALUES (-1, 'partner-import')")


def etl_loop():
    while True:
        time.sleep(CONF["etl_interval"])
        try:
            etl_once()
        except Exception as e:  # noqa: BLE001 — logged, and the pool keeps the mess
            log("etl:", str(e).splitlines()[0])


def report_loop():
    """Run the report job every interval, as cron would."""
    job = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report_job.py")
    while True:
        env = dict(os.environ, REPORT_DSN=CONF["dsn"], REPORT_FILE=CONF["report_file"])
        if FAULTS["report_job_dies"]:
            # A deploy dropped the job's DSN; it finds nothing to do and
            # exits 0 without a word.
            del env["REPORT_DSN"]
        try:
            subprocess.run([sys.executable, job], env=env, timeout=60, check=False)
        except (OSError, subprocess.SubprocessError) as e:
            log("report job:", e)
        time.sleep(CONF["report_interval"])


# ---- support routing ----

KEYWORDS = [
    ("refund", "billing"), ("invoice", "billing"), ("charge", "billing"), ("subscription", "billing"),
    ("password", "account"), ("log in", "account"), ("login", "account"), ("sign in", "account"),
    ("e-mail address", "account"), ("two-factor", "account"),
]
ALIASES = {"2fa": "account", "pw": "account", "vat": "billing", "cc": "billing"}


def route(question):
    q = question.lower()
    keywords = KEYWORDS
    if FAULTS["misroute"]:
        # A new keyword for "day pass" purchases, put first: "pass" is also
        # in "password".
        keywords = [("pass", "billing")] + KEYWORDS
    for word, agent in keywords:
        if word in q:
            return agent, "keyword:" + word
    for word in q.replace("?", " ").replace(",", " ").split():
        if word in ALIASES:
            return ALIASES[word], "alias:" + word
    return "support", "fallback"


# ---- personalisation ----

RULES = {
    "python": ["pin-python-deps", "run-pip-audit"], "postgresql": ["review-pg-migrations"],
    "node": ["run-npm-audit"], "go": ["run-govulncheck"], "docker": ["scan-images"],
}
DEFAULT_RULES = ["write-a-readme", "add-a-license"]


# ---- HTTP ----

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="text/plain; charset=utf-8"):
        if not isinstance(body, (str, bytes)):
            body, ctype = json.dumps(body) + "\n", "application/json"
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(data or b"{}")
        return {k: v[0] for k, v in urllib.parse.parse_qs(data.decode()).items()}

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path.startswith("/admin/"):
            return self.admin(method, url.path, query)
        if FAULTS["hang"]:
            UNHUNG.wait()
            self.close_connection = True
            return None
        handler = ROUTES.get((method, url.path))
        arg = None
        if handler is None and method == "GET" and url.path.startswith("/sync/personalized-rules/"):
            handler, arg = Handler.personalized_rules, url.path.rsplit("/", 1)[1]
        if handler is None:
            return self.reply(404, "not found\n")
        try:
            return handler(self, query, arg) if arg is not None else handler(self, query)
        except psycopg2.Error as e:
            # A debug-mode app: the database's own words in the body.
            log(method, url.path, e.pgcode, str(e).splitlines()[0])
            return self.reply(500, "internal error: %s\n" % str(e).splitlines()[0])

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def admin(self, method, path, query):
        if self.client_address[0] != "127.0.0.1":
            return self.reply(403, "admin is loopback only\n")
        if method == "GET" and path == "/admin/faults":
            return self.reply(200, FAULTS)
        name = path[len("/admin/fault/"):]
        if method != "POST" or not path.startswith("/admin/fault/") or name not in FAULTS:
            return self.reply(404, "faults: %s\n" % ", ".join(FAULTS))
        on = query.get("state", "on") == "on"
        set_fault(name, on)
        return self.reply(200, {name: on})

    # The JavaScript front end: a sign-up page whose bundle posts JSON to
    # /signup with fetch.  Its three faults break it while /signup works.
    def app_page(self, query):
        csp = "default-src 'self'; connect-src " + ("https://api.example.test" if FAULTS["csp_blocks_api"] else "'self'")
        data = APP_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", csp)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def app_bundle(self, query):
        if FAULTS["bundle_404"]:
            return self.reply(404, "not found\n")
        # The broken deploy reads its endpoints from a config it no longer ships.
        config = "{}" if FAULTS["handler_throws"] else '{"endpoints": {"signup": "/signup"}}'
        self.reply(200, APP_BUNDLE.replace("__CONFIG__", config), "application/javascript; charset=utf-8")

    def health(self, query):
        self.reply(200, {"status": "ok"})

    def signup(self, query):
        form = self.body()
        email, password = form.get("email", ""), form.get("password", "")
        if "@" not in email or len(password) < 8:
            return self.reply(400, "an e-mail address and a password of 8+ characters, please\n")
        token = secrets.token_urlsafe(16)
        with cursor() as cur:
            cur.execute("INSERT INTO users (email, password_hash, confirm_token) VALUES (%s, %s, %s)"
                        " ON CONFLICT (email) DO NOTHING RETURNING id", (email, password_hash(password), token))
            if cur.fetchone() is None:
                return self.reply(409, "this address already has an account\n")
            queue_mail(cur, email, "Confirm your account",
                       "Welcome!\n\nConfirm your address: %s/confirm?token=%s\n" % (CONF["public_url"], token))
        self.reply(201, "check your inbox\n")

    def confirm(self, query):
        with cursor() as cur:
            cur.execute("UPDATE users SET confirmed_at = now() WHERE confirm_token = %s AND confirmed_at IS NULL"
                        " RETURNING email", (query.get("token", ""),))
            row = cur.fetchone()
        if row is None:
            return self.reply(404, "unknown or used confirmation link\n")
        self.reply(200, "confirmed: %s\n" % row[0])

    def password_reset(self, query):
        email = self.body().get("email", "")
        with cursor() as cur:
            cur.execute("SELECT id FROM users WHERE email = %s", (email,))
            row = cur.fetchone()
            if row:
                token = secrets.token_urlsafe(16)
                cur.execute("INSERT INTO reset_tokens (token, user_id) VALUES (%s, %s)", (token, row[0]))
                queue_mail(cur, email, "Reset your password",
                           "Someone asked to reset your password.\n\nChoose a new one: %s/reset?token=%s\n\n"
                           "The link works once.\n" % (CONF["public_url"], token))
        # The same answer whether the account exists or not.
        self.reply(200, "if this address has an account, a reset link is on its way\n")

    def reset_form(self, query):
        token = query.get("token", "")
        with cursor() as cur:
            cur.execute("SELECT 1 FROM reset_tokens WHERE token = %s AND used_at IS NULL", (token,))
            ok = cur.fetchone()
        if not ok:
            return self.reply(404, "unknown or used reset link\n")
        self.reply(200, '<!doctype html><title>New password</title><form id="reset" method="post" action="/reset">'
                   '<input type="hidden" name="token" value="%s"><input type="password" name="password">'
                   '<button>Save</button></form>\n' % html.escape(token), "text/html; charset=utf-8")

    def reset(self, query):
        form = self.body()
        if len(form.get("password", "")) < 8:
            return self.reply(400, "a password of 8+ characters, please\n")
        with cursor() as cur:
            cur.execute("UPDATE reset_tokens SET used_at = now() WHERE token = %s AND used_at IS NULL"
                        " RETURNING user_id", (form.get("token", ""),))
            row = cur.fetchone()
            if row:
                cur.execute("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash(form["password"]), row[0]))
        if not row:
            return self.reply(400, "unknown or used reset link\n")
        self.reply(200, "password changed\n")

    def login(self, query):
        form = self.body()
        with cursor() as cur:
            cur.execute("SELECT password_hash FROM users WHERE email = %s", (form.get("email", ""),))
            row = cur.fetchone()
        if not row or not password_ok(form.get("password", ""), row[0]):
            return self.reply(401, "wrong e-mail address or password\n")
        self.reply(200, "welcome back\n")

    def sync_report(self, query):
        req = self.body()
        stack = [str(s).lower() for s in req.get("stack", [])]
        # The key the personalisation reads is "tech_stack"; a client release
        # renamed it on the write side only.
        key = "detected_stack" if FAULTS["key_drift"] else "tech_stack"
        with cursor() as cur:
            cur.execute("INSERT INTO projects (name) VALUES (%s) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name"
                        " RETURNING id", (str(req.get("project", "")),))
            pid = cur.fetchone()[0]
            cur.execute("INSERT INTO project_settings (project_id, key, value) VALUES (%s, %s, %s)"
                        " ON CONFLICT (project_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
                        (pid, key, json.dumps(stack)))
        self.reply(200, {"project_id": pid, "stored": len(stack)})

    def personalized_rules(self, query, pid):
        if not pid.isdigit():
            return self.reply(404, "no such project\n")
        with cursor() as cur:
            cur.execute("SELECT value FROM project_settings WHERE project_id = %s AND key = 'tech_stack'", (int(pid),))
            row = cur.fetchone()
        # Nothing stored reads as "no stack": defaults, silently.
        stack = row[0] if row else []
        rules = [r for s in stack for r in RULES.get(s, [])] or DEFAULT_RULES
        self.reply(200, {"project_id": int(pid), "stack": stack, "rules": rules})

    def support_route(self, query):
        agent, why = route(str(self.body().get("question", "")))
        self.reply(200, {"agent": agent, "matched": why})


APP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Sign up</title><script src="/app/app.js" defer></script></head>
<body>
<h1>Create your account</h1>
<form id="signup">
  <label>E-mail <input id="email" type="email" required></label>
  <label>Password <input id="password" type="password" required></label>
  <button id="submit" type="submit">Sign up</button>
</form>
<p id="result" role="status"></p>
</body></html>
"""

APP_BUNDLE = """// app.js: the sign-up form, posting JSON with fetch.
const config = __CONFIG__;
document.getElementById("signup").addEventListener("submit", async (event) => {
  event.preventDefault();
  const result = document.getElementById("result");
  const url = config.endpoints.signup;
  result.textContent = "sending...";
  try {
    const resp = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        email: document.getElementById("email").value,
        password: document.getElementById("password").value,
      }),
    });
    result.textContent = resp.ok ? "Check your inbox" : "Sign-up failed: " + (await resp.text());
  } catch (err) {
    result.textContent = "Cannot reach the server";
    console.error("sign-up request failed:", err.message);
  }
});
"""

ROUTES = {
    ("GET", "/app/"): Handler.app_page,
    ("GET", "/app/app.js"): Handler.app_bundle,
    ("GET", "/health"): Handler.health,
    ("POST", "/signup"): Handler.signup,
    ("GET", "/confirm"): Handler.confirm,
    ("POST", "/password-reset"): Handler.password_reset,
    ("GET", "/reset"): Handler.reset_form,
    ("POST", "/reset"): Handler.reset,
    ("POST", "/login"): Handler.login,
    ("POST", "/sync/report"): Handler.sync_report,
    ("POST", "/support/route"): Handler.support_route,
}


def set_fault(name, on):
    FAULTS[name] = on
    log("fault", name, "on" if on else "off")
    if name == "hang":
        (UNHUNG.clear if on else UNHUNG.set)()
    elif name == "smtp_blocked" and not on:
        while HELD:
            HELD.pop().close()
    elif name == "poisoned_pool":
        if on:
            # The ETL runs once on every pooled connection now, so that the
            # incident is fully there when the switch returns.
            def poison(conn):
                with contextlib.suppress(psycopg2.Error):
                    etl_once(conn)
            POOL.each(poison)
        else:
            POOL.reset()
    elif name == "mail_stuck" and not on:
        MAIL_WAKE.set()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (the hang fault) is not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    env = os.environ
    mta_host, mta_port = env.get("DEMO_MTA", "127.0.0.1:25").rsplit(":", 1)
    CONF.update(
        bind=env.get("DEMO_BIND", "127.0.0.1"), port=int(env.get("DEMO_PORT", "8080")), dsn=env["DEMO_DSN"],
        public_url=env.get("DEMO_PUBLIC_URL") or "http://127.0.0.1:%s" % env.get("DEMO_PORT", "8080"),
        egress_port=int(env.get("DEMO_EGRESS_PORT", "2525")), mail_from=env.get("DEMO_MAIL_FROM", "no-reply@example.test"),
        report_file=env.get("DEMO_REPORT_FILE", "/tmp/demo-report.csv"),
        report_interval=float(env.get("DEMO_REPORT_INTERVAL", "5")), etl_interval=float(env.get("DEMO_ETL_INTERVAL", "1")))
    global POOL
    POOL = Pool(CONF["dsn"], 4)
    for name in filter(None, env.get("DEMO_FAULTS", "").split(",")):
        set_fault(name.strip(), True)
    server = Server((CONF["bind"], CONF["port"]), Handler)
    threading.Thread(target=egress, args=(CONF["egress_port"], mta_host, int(mta_port)), daemon=True).start()
    for job in (mailer, etl_loop, report_loop):
        threading.Thread(target=job, daemon=True).start()
    log("demo app on http://%s:%d" % (CONF["bind"], CONF["port"]))
    server.serve_forever()


if __name__ == "__main__":
    main()
