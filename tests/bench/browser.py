#!/usr/bin/env python3
"""tests/bench/browser.py TELLTALE BASE_URL — browser steps, next to a bare
DevTools-protocol client (this file, Python, the same pipe and the same
commands) in the same run.

1. start-up: Chromium started, a page created and loaded, its title read
   (median wall of 5), telltale's scenario vs the bare client;
2. per-step latency: page:eval("1 + 1") and page:text(selector), p50 and p95
   of 100 each, vs one Runtime.evaluate round trip of the bare client;
3. memory: PSS of the whole process tree (telltale + Chromium, or client +
   Chromium) with 1 and 4 pages open, and per extra page."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from run import table  # noqa: E402 (tests/bench/run.py, beside this file)

HERE = os.path.dirname(os.path.abspath(__file__))
N = 100


def tree_rss_mb(pid):
    """Memory of pid and all its descendants, MB: the sum of their PSS
    (shared pages split between the processes sharing them, so the
    renderers' shared code is not counted once per process)."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as fp:
                    ppid = int(fp.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except OSError:
                pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open("/proc/%d/smaps_rollup" % p) as fp:
                total += sum(int(l.split()[1]) for l in fp if l.startswith("Pss:"))
        except OSError:
            pass
    return total / 1024


class Bare:
    """The bare client: Chromium over the pipe, its pages in one context (as
    a telltale scenario's are)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="bench-chromium-")
        r1, self.w = os.pipe()
        self.r, w2 = os.pipe()

        def fds():
            os.dup2(r1, 3)
            os.dup2(w2, 4)
        self.p = subprocess.Popen(["chromium", "--headless=new", "--no-sandbox", "--remote-debugging-pipe",
                                   "--user-data-dir=" + self.dir, "--no-first-run", "--disable-gpu", "about:blank"],
                                  pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        os.close(r1)
        os.close(w2)
        self.buf, self.id, self.events, self.ctx = b"", 0, [], None

    def read(self):
        while b"\0" not in self.buf:
            self.buf += os.read(self.r, 1 << 16)
        m, self.buf = self.buf.split(b"\0", 1)
        return json.loads(m)

    def call(self, method, params=None, session=None):
        self.id += 1
        msg = {"id": self.id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self.read()
            if m.get("id") == self.id:
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name, loader):
        while True:
            for i, m in enumerate(self.events):
                p = m.get("params", {})
                if m.get("method") == "Page.lifecycleEvent" and p.get("name") == name and p.get("loaderId") == loader:
                    del self.events[: i + 1]
                    return
            self.events.append(self.read())

    def page(self, url):
        if not self.ctx:
            self.ctx = self.call("Target.createBrowserContext", {"disposeOnDetach": True})["browserContextId"]
        tid = self.call("Target.createTarget", {"url": "about:blank", "browserContextId": self.ctx})["targetId"]
        sid = self.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
        for m in ("Page.enable", "Runtime.enable", "Network.enable", "Log.enable"):
            self.call(m, None, sid)
        self.call("Page.setLifecycleEventsEnabled", {"enabled": True}, sid)
        loader = self.call("Page.navigate", {"url": url}, sid)["loaderId"]
        self.wait_event("load", loader)
        return sid

    def close(self):
        self.p.kill()
        self.p.wait()
        subprocess.run(["rm", "-rf", self.dir])


def run_tt(tt, script, *vars_):
    with tempfile.NamedTemporaryFile("r", suffix=".json") as rep:
        args = [tt, "run", "--json", rep.name]
        for v in vars_:
            args += ["--var", v]
        subprocess.run(args + [os.path.join(HERE, script)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return json.load(open(rep.name))["scenarios"][0]["steps"][0]["logs"]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def startup(tt, url):
    tts, bares = [], []
    for _ in range(5):
        t0 = time.monotonic()
        run_tt(tt, "browser_steps.lua", "URL=" + url, "N=0")
        tts.append(time.monotonic() - t0)
        t0 = time.monotonic()
        b = Bare()
        sid = b.page(url)
        b.call("Runtime.evaluate", {"expression": "document.getElementById('title').innerText",
                                    "returnByValue": True}, sid)
        bares.append(time.monotonic() - t0)
        b.close()
    tt_s, bare_s = statistics.median(tts), statistics.median(bares)
    return tt_s, bare_s


def latency(tt, url):
    logs = run_tt(tt, "browser_steps.lua", "URL=" + url, "N=%d" % N)
    evals = [int(l.split()[1]) for l in logs if l.startswith("eval ")]
    texts = [int(l.split()[1]) for l in logs if l.startswith("text ")]
    b = Bare()
    sid = b.page(url)
    bare = []
    for _ in range(N):
        t0 = time.monotonic()
        b.call("Runtime.evaluate", {"expression": "1 + 1", "returnByValue": True}, sid)
        bare.append((time.monotonic() - t0) * 1000)
    b.close()
    return evals, texts, bare


def memory(tt, url):
    out = {}
    for k in (1, 4):
        p = subprocess.Popen([tt, "run", "--browsers", str(k), "--var", "URL=" + url, "--var", "K=%d" % k,
                              "--var", "HOLD=6s", os.path.join(HERE, "browser_pages.lua")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3 + 1.0 * k)
        tt_mb = tree_rss_mb(p.pid)
        p.wait()
        b = Bare()
        for _ in range(k):
            b.page(url)
        bare_mb = tree_rss_mb(os.getpid())  # the client and its Chromium
        b.close()
        out[k] = (tt_mb, bare_mb)
    return out


def main():
    tt, base = sys.argv[1], sys.argv[2]
    url = base + "/static/browser.html"
    tt_s, bare_s = startup(tt, url)
    evals, texts, bare = latency(tt, url)
    mem = memory(tt, url)
    table("Browser steps (Chromium over --remote-debugging-pipe)", ["measure", "telltale", "bare CDP client (Python)", "ratio"], [
        ["start-up: Chromium, a page, loaded, one read (median of 5)", "%.0f ms" % (tt_s * 1000),
         "%.0f ms" % (bare_s * 1000), "%.2fx" % (tt_s / bare_s)],
        ["page:eval round trip, p50 / p95 (%d)" % N, "%d / %d ms" % (pct(evals, 50), pct(evals, 95)),
         "%.1f / %.1f ms" % (pct(bare, 50), pct(bare, 95)), ""],
        ["page:text round trip, p50 / p95 (%d)" % N, "%d / %d ms" % (pct(texts, 50), pct(texts, 95)), "", ""],
        ["memory (PSS), whole process tree, 1 page", "%.0f MB" % mem[1][0], "%.0f MB" % mem[1][1], ""],
        ["memory, 4 pages", "%.0f MB" % mem[4][0], "%.0f MB" % mem[4][1], ""],
        ["memory per extra page", "%.0f MB" % ((mem[4][0] - mem[1][0]) / 3), "%.0f MB" % ((mem[4][1] - mem[1][1]) / 3), ""],
    ])


if __name__ == "__main__":
    main()
