#!/usr/bin/env python3
"""tests/bench/run.py TELLTALE — benchmarks with their baselines measured in
the same run (machines are noisy: read the ratios, not the absolute numbers).

1. start-up: `telltale version` and a 1-request scenario, next to curl(1)
   doing the same request (wall time, median of N runs);
2. HTTP engine cost: a scenario doing 10 checked requests per iteration
   against local nginx, CPU per request, next to floor.c (bare C loop, one
   reused libcurl handle) — the target is within 1.5x of the floor;
3. concurrency: 10,000 scenarios each sleeping, at once: peak RSS (target
   under 400 MB, 40 KB each) and CPU while waiting (target under 5% of a core);
4. PostgreSQL: 100 scenarios x 20 queries on a pool of 4, queries/s and
   client CPU per query, next to floor_pq.c (bare libpq loop, same
   statements); and h:wait's detection latency after an insert;
5. redaction throughput (redact_bench.c over runner/redact.c): MB/s of
   trace-like text with 1 and 10,000 registered secrets — it must not
   depend on the number of secrets (one Aho–Corasick pass).

Servers come from tests/lib/services.sh (nginx, PostgreSQL on loopback)."""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_timed(cmd, **kw):
    """Run cmd; return (wall s, cpu s of the child, peak RSS MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024.0


def median_wall(cmd, n):
    return statistics.median(run_timed(cmd)[0] for _ in range(n))


def table(title, header, rows):
    print("\n### " + title + "\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")


def startup(tt, base):
    n = 30
    curl = median_wall(["curl", "-sf", "-o", "/dev/null", base + "/ok"], n)
    version = median_wall([tt, "version"], n)
    one = median_wall([tt, "run", "--var", "BASE=" + base, os.path.join(HERE, "one.lua")], n)
    table("Start-up (median wall time of %d runs)" % n, ["command", "wall ms", "x curl"], [
        ["curl -sf URL (baseline)", "%.1f" % (curl * 1000), "1.0"],
        ["telltale version", "%.1f" % (version * 1000), "%.2f" % (version / curl)],
        ["telltale run one.lua (1 request)", "%.1f" % (one * 1000), "%.2f" % (one / curl)],
    ])


def engine_cost(tt, base, floor_bin):
    iterations = 2000
    requests = iterations * 10
    fw, fc, frss = run_timed([floor_bin, base, str(iterations)])
    tw, tc, trss = run_timed([tt, "run", "--var", "BASE=" + base, "--var", "ITERATIONS=%d" % iterations,
                              os.path.join(HERE, "requests.lua")])
    table("HTTP: %d checked requests against local nginx" % requests,
          ["runner", "CPU us/request", "x floor (CPU)", "wall us/request", "x floor (wall)"], [
        ["floor.c: C loop, one reused libcurl handle (baseline)", "%.1f" % (fc / requests * 1e6), "1.00",
         "%.1f" % (fw / requests * 1e6), "1.00"],
        ["telltale (Lua scenario, event loop, checks)", "%.1f" % (tc / requests * 1e6), "%.2f" % (tc / fc),
         "%.1f" % (tw / requests * 1e6), "%.2f" % (tw / fw)],
    ])


def proc_cpu_s(pid):
    with open("/proc/%d/stat" % pid) as fp:
        fields = fp.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sleepers(tt, count, sleep_s, settle_s):
    """count scenarios each sleeping sleep_s, at once: (peak RSS MB, % of a
    core while waiting, CPU s in all, wall s).  The waiting window starts
    settle_s in, once every state is loaded."""
    with tempfile.TemporaryDirectory() as d:
        src = open(os.path.join(HERE, "sleeper.lua")).read()
        for i in range(count):
            with open(os.path.join(d, "s%05d.lua" % i), "w") as fp:
                fp.write(src)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        p = subprocess.Popen([tt, "run", "--parallel", str(count), "--var", "SLEEP=%ds" % sleep_s, d],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(settle_s)
        c1, w1 = proc_cpu_s(p.pid), time.monotonic()
        time.sleep(5)
        c2, w2 = proc_cpu_s(p.pid), time.monotonic()
        rc = p.wait()
        wall = time.monotonic() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc != 0:
        sys.exit("concurrency benchmark: telltale exited %d" % rc)
    cpu_total = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return after.ru_maxrss / 1024.0, 100.0 * (c2 - c1) / (w2 - w1), cpu_total, wall


CONCURRENT = 10000
CONCURRENT_MB = 400  # 40 KB per waiting scenario


def concurrency(tt):
    rss, pct, cpu_total, wall = sleepers(tt, CONCURRENT, 20, 10)
    table("%d concurrent scenarios, each sleep(\"20s\")" % CONCURRENT, ["measure", "value", "target"], [
        ["peak RSS", "%.0f MB (%.0f KB per scenario)" % (rss, rss * 1024 / CONCURRENT), "< %d MB" % CONCURRENT_MB],
        ["CPU while waiting", "%.2f%% of a core" % pct, "< 5%"],
        ["CPU in all (load, run, report)", "%.2f s over %.1f s wall" % (cpu_total, wall), ""],
    ])


def database(tt, floor_pq, dsn):
    scenarios, per = 100, 20
    queries = scenarios * per
    fw, fc, _ = run_timed([floor_pq, dsn, str(queries)])
    with tempfile.TemporaryDirectory() as d:
        src = open(os.path.join(HERE, "queries.lua")).read()
        for i in range(scenarios):
            with open(os.path.join(d, "q%03d.lua" % i), "w") as fp:
                fp.write(src)
        tw, tc, _ = run_timed([tt, "run", "--parallel", str(scenarios), "--var", "DSN=" + dsn, d])
    table("PostgreSQL: %d scenarios x %d checked queries, pool of 4" % (scenarios, per),
          ["runner", "queries/s", "client CPU us/query", "x floor (CPU)"], [
        ["floor_pq.c: C loop, one libpq connection, same statements (baseline)", "%.0f" % (queries / fw),
         "%.1f" % (fc / queries * 1e6), "1.00"],
        ["telltale (100 Lua scenarios, pool of 4, checks)", "%.0f" % (queries / tw), "%.1f" % (tc / queries * 1e6),
         "%.2f" % (tc / fc)],
    ])


def wait_latency(tt, dsn, psql_app):
    """h:wait's detection latency after an insert, at its default interval
    (250 ms): the row is inserted by psql while telltale waits."""
    lags = []
    for i in range(10):
        email = "bench-%d-%d@example.test" % (os.getpid(), i)
        with tempfile.NamedTemporaryFile("r", suffix=".json") as rep:
            p = subprocess.Popen([tt, "run", "--json", rep.name, "--var", "DSN=" + dsn, "--var", "EMAIL=" + email,
                                  os.path.join(HERE, "wait_latency.lua")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.3 + 0.07 * i)  # land at different points of the poll cycle
            subprocess.run(psql_app + ["-qc", "INSERT INTO users (email) VALUES ('%s')" % email], check=True)
            p.wait()
            import json
            logs = json.load(open(rep.name))["scenarios"][0]["steps"][0]["logs"]
            lags.append(float(logs[0].split("=")[1]))
    lags.sort()
    table("h:wait detection latency after an insert (default 250 ms interval, 10 runs)", ["measure", "ms"], [
        ["p50", "%.0f" % statistics.median(lags)],
        ["max", "%.0f" % lags[-1]],
        ["interval (the bound)", "250"],
    ])


def redaction(bench):
    rows = []
    for n in (1, 10000):
        out = subprocess.run([bench, str(n)], check=True, capture_output=True, text=True).stdout
        rows.append(["%d secret%s" % (n, "" if n == 1 else "s"), out.strip()])
    table("Redaction throughput (1 MB of trace-like text, redact_textn)", ["registered secrets", "MB/s"], rows)


def main():
    tt, floor_bin, base = sys.argv[1], sys.argv[2], sys.argv[3]
    floor_pq, dsn, psql_app = sys.argv[4], sys.argv[5], sys.argv[6].split()
    print("telltale benchmarks, %s" % time.strftime("%Y-%m-%d %H:%M"))
    startup(tt, base)
    engine_cost(tt, base, floor_bin)
    concurrency(tt)
    database(tt, floor_pq, dsn)
    wait_latency(tt, dsn, psql_app)
    if len(sys.argv) > 7:
        redaction(sys.argv[7])


if __name__ == "__main__":
    main()
