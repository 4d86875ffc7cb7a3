#!/usr/bin/env python3
"""tests/bench/mail.py TELLTALE SMTP_PORT IMAP_PORT PASSWORD — e-mail
benchmarks against the loopback Postfix → Dovecot stack, with baselines
from the same run.

1. Detection latency: from the MTA accepting a message (the end of SMTP
   DATA) to mb:wait returning, p50 and p95, with IDLE, poll = "100ms" and
   poll = "1s".  Baseline: a bare IDLE client (Python, raw socket) timing
   the server's own EXISTS notification for the same kind of message —
   Dovecot batches IDLE notifications (about 500 ms), which bounds any
   IDLE client.
2. 200 scenarios waiting at once on one mailbox, all mail sent at once:
   every one found, IMAP connections seen by the server, CPU while waiting
   and in all."""
import json
import os
import random
import resource
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from run import proc_cpu_s, table  # noqa: E402 (tests/bench/run.py, beside this file)

HERE = os.path.dirname(os.path.abspath(__file__))
N = 20


def send(port, to, subject="bench"):
    """Send one message; return the monotonic time the MTA accepted it."""
    with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=30) as s:
        s.sendmail("app@example.test", [to], "From: app@example.test\r\nTo: %s\r\nSubject: %s\r\n\r\nhello\r\n"
                   % (to, subject))
        return time.monotonic()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def telltale_latency(tt, smtp, imap, password, poll):
    tag = "lat%d%s" % (os.getpid(), poll.replace("m", ""))
    with tempfile.NamedTemporaryFile("r", suffix=".json") as rep:
        p = subprocess.Popen([tt, "run", "--json", rep.name, "--var", "IMAP=imap://127.0.0.1:%d/INBOX" % imap,
                              "--var", "PASSWORD=" + password, "--var", "POLL=" + poll, "--var", "N=%d" % N,
                              "--var", "TAG=" + tag, os.path.join(HERE, "mail_latency.lua")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)  # connected and idling or polling
        accepted = []
        for i in range(1, N + 1):
            accepted.append(send(smtp, "canary+%s-%d@example.test" % (tag, i)))
            time.sleep(random.uniform(0.9, 1.6))  # past the previous detection, at a random poll phase
        if p.wait() != 0:
            sys.exit("mail benchmark: telltale exited %d (poll %s)" % (p.returncode, poll))
        logs = json.load(open(rep.name))["scenarios"][0]["steps"][0]["logs"]
    got = [int(line.split()[2]) / 1000.0 for line in logs if line.startswith("got ")]
    return [(g - a) * 1000 for g, a in zip(got, accepted)]


def idle_baseline(smtp, imap, password):
    """A bare IDLE client: time from MTA accept to the server's EXISTS."""
    s = socket.create_connection(("127.0.0.1", imap))
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"a LOGIN canary %s\r\na2 SELECT INBOX\r\n" % password.encode())
    while not f.readline().startswith(b"a2 "):
        pass
    lags = []
    tag = "base%d" % os.getpid()
    for i in range(1, N + 1):
        s.sendall(b"i%d IDLE\r\n" % i)
        f.readline()  # + idling
        accepted = {}
        threading.Timer(0.2, lambda: accepted.setdefault("t", send(smtp, "canary+%s-%d@example.test" % (tag, i)))).start()
        while True:
            line = f.readline()
            if line.endswith(b"EXISTS\r\n"):
                seen = time.monotonic()
                break
        while "t" not in accepted:
            time.sleep(0.001)
        lags.append((seen - accepted["t"]) * 1000)
        s.sendall(b"DONE\r\n")
        while not f.readline().startswith(b"i%d " % i):
            pass
        time.sleep(random.uniform(0.1, 0.4))
    s.close()
    return lags


def latency(tt, smtp, imap, password):
    base = idle_baseline(smtp, imap, password)
    rows = [["bare IDLE client, server's EXISTS (baseline)", "%.0f" % statistics.median(base), "%.0f" % pct(base, 95),
             ""]]
    for poll, label in (("idle", "telltale, IDLE"), ("100ms", "telltale, poll = \"100ms\""),
                        ("1s", "telltale, poll = \"1s\"")):
        lags = telltale_latency(tt, smtp, imap, password, poll)
        rows.append([label, "%.0f" % statistics.median(lags), "%.0f" % pct(lags, 95),
                     "%+.0f" % (statistics.median(lags) - statistics.median(base))])
    table("Mail detection latency, MTA accept → wait returns (%d messages each)" % N,
          ["client", "p50 ms", "p95 ms", "p50 vs baseline ms"], rows)


def imap_connections(port):
    out = subprocess.run(["ss", "-Htn", "state", "established", "( sport = :%d )" % port],
                         capture_output=True, text=True).stdout
    return len([l for l in out.splitlines() if l.strip()])


def concurrent(tt, smtp, imap, password):
    count = 200
    tag = "cc%d" % os.getpid()
    with tempfile.TemporaryDirectory() as d:
        src = open(os.path.join(HERE, "mail_wait.lua")).read()
        for i in range(1, count + 1):
            with open(os.path.join(d, "w%03d.lua" % i), "w") as fp:
                fp.write(src)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        p = subprocess.Popen([tt, "run", "--parallel", str(count), "--var", "IMAP=imap://127.0.0.1:%d/INBOX" % imap,
                              "--var", "PASSWORD=" + password, "--var", "TAG=" + tag, d],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2)
        c1, w1 = proc_cpu_s(p.pid), time.monotonic()
        time.sleep(3)
        c2, w2 = proc_cpu_s(p.pid), time.monotonic()
        conns = imap_connections(imap)
        sent = time.monotonic()
        with smtplib.SMTP("127.0.0.1", smtp, local_hostname="localhost", timeout=30) as s:
            for i in range(1, count + 1):
                to = "canary+%s-%03d@example.test" % (tag, i)
                s.sendmail("app@example.test", [to], "From: app@example.test\r\nTo: %s\r\nSubject: x\r\n\r\nx\r\n" % to)
        accepted = time.monotonic()
        while p.poll() is None:
            conns = max(conns, imap_connections(imap))
            time.sleep(0.05)
        done = time.monotonic()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit("mail benchmark: the 200 waits exited %d" % p.returncode)
    table("%d scenarios waiting on one mailbox, %d messages sent at once" % (count, count), ["measure", "value"], [
        ["all found", "yes (exit 0)"],
        ["IMAP connections the server saw (max)", "%d" % conns],
        ["CPU while waiting", "%.2f%% of a core" % (100.0 * (c2 - c1) / (w2 - w1))],
        ["sending all %d (SMTP, one connection)" % count, "%.2f s" % (accepted - sent)],
        ["first send → every scenario done", "%.2f s" % (done - sent)],
        ["CPU in all (load, wait, decode, report)", "%.2f s over %.1f s wall" % (
            (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done - t0)],
        ["peak RSS", "%.0f MB" % (after.ru_maxrss / 1024.0)],
    ])


def main():
    tt, smtp, imap, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    latency(tt, smtp, imap, password)
    concurrent(tt, smtp, imap, password)


if __name__ == "__main__":
    main()
