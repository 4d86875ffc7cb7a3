#!/usr/bin/env python3
"""check_json.py REPORT [EXPR] — check a --json report against the schema
documented in README.md ("JSON report"); with EXPR, also evaluate a Python
expression over it (the report is `r`) and fail unless it is true."""
import json
import re
import sys

KINDS = {"assertion", "timeout", "missing", "network", "http", "script", "aborted", "internal"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def need(cond, what):
    if not cond:
        raise SystemExit("schema: " + what)


def check_failure(f, where):
    if f is None:
        return
    need(isinstance(f, dict), where + ".failure must be an object or null")
    need(f.get("kind") in KINDS, where + ".failure.kind must be one of %s, got %r" % (sorted(KINDS), f.get("kind")))
    need(isinstance(f.get("message"), str), where + ".failure.message must be a string")
    for k in ("detail", "phase", "where"):
        need(f.get(k) is None or isinstance(f.get(k), str), where + ".failure.%s must be a string or null" % k)


def check_steps(steps, where):
    need(isinstance(steps, list), where + " must be a list")
    for i, s in enumerate(steps):
        w = "%s[%d]" % (where, i)
        need(isinstance(s.get("name"), str), w + ".name")
        need(s.get("status") in ("passed", "failed", "skipped"), w + ".status")
        need(isinstance(s.get("duration_ms"), int) and s["duration_ms"] >= 0, w + ".duration_ms")
        need(isinstance(s.get("attempts"), int), w + ".attempts")
        need(isinstance(s.get("logs"), list) and all(isinstance(x, str) for x in s["logs"]), w + ".logs")
        check_failure(s.get("failure"), w)
        need(isinstance(s.get("offset_ms"), int) and s["offset_ms"] >= 0, w + ".offset_ms")
        need(isinstance(s.get("requests"), list), w + ".requests must be a list")
        for j, q in enumerate(s["requests"]):
            qw = "%s.requests[%d]" % (w, j)
            need(isinstance(q.get("method"), str) and isinstance(q.get("url"), str), qw + ".method/url")
            need(isinstance(q.get("status"), int) and isinstance(q.get("offset_ms"), int), qw + ".status/offset_ms")
            need(all(isinstance(q.get("timings", {}).get(k), (int, float)) for k in ("dns", "connect", "tls", "ttfb", "total")),
                 qw + ".timings")
            need(q.get("span_id") is None or re.match(r"^[0-9a-f]{16}$", q["span_id"]), qw + ".span_id")
        need((s["status"] == "failed") == (s.get("failure") is not None), w + ": failure set iff failed")


def check(r):
    need(r.get("version") == 1, "version must be 1")
    need(isinstance(r.get("run_id"), str) and r["run_id"], "run_id")
    need(isinstance(r.get("started_at"), str) and ISO.match(r["started_at"]), "started_at must be ISO-8601 UTC")
    need(isinstance(r.get("duration_ms"), int), "duration_ms")
    need(isinstance(r.get("repeat"), int) and r["repeat"] >= 1, "repeat must be an integer >= 1")
    need(r.get("location") is None or isinstance(r["location"], str), "location must be null or a string")
    need(r.get("interrupted_by") in (None, "SIGINT", "SIGTERM"), "interrupted_by")
    need(isinstance(r.get("scenarios"), list), "scenarios must be a list")
    for i, s in enumerate(r["scenarios"]):
        w = "scenarios[%d]" % i
        need(isinstance(s.get("name"), str), w + ".name")
        need(isinstance(s.get("file"), str), w + ".file")
        need(s.get("status") in ("passed", "failed", "error", "skipped"), w + ".status")
        need(isinstance(s.get("duration_ms"), int), w + ".duration_ms")
        need(isinstance(s.get("repeat"), int) and 1 <= s["repeat"] <= r["repeat"], w + ".repeat must be 1..repeat")
        need(s.get("trace_id") is None or re.match(r"^[0-9a-f]{32}$", s["trace_id"]), w + ".trace_id")
        check_steps(s.get("steps"), w + ".steps")
        check_steps(s.get("teardown"), w + ".teardown")
        check_failure(s.get("failure"), w)


def main():
    with open(sys.argv[1]) as fp:
        r = json.load(fp)
    check(r)
    if len(sys.argv) > 2:
        expr = sys.argv[2]
        ok = eval(expr, {"r": r})
        if not ok:
            print(json.dumps(r, indent=1)[-2500:])
            raise SystemExit("false: " + expr)


if __name__ == "__main__":
    main()
