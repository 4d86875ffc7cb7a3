#!/usr/bin/env python3
"""tests/bench/scale.py TELLTALE FLOOR_FLOW BASE [REDACT_BENCH] — the engine's
cost in one table, every baseline measured in this run:

- a suite's cost as it grows: flow.lua (5 requests, 12 checks, a token per
  scenario that becomes a secret) written as N five-step scenario files, run
  by one `telltale run --parallel 1 --json --junit` for N = 1,000 .. 8,000:
  CPU per flow next to the C floor and the Lua floor (floor_flow.c: the same
  flow over one libcurl handle, bare and driven by Lua 5.4);
- the flow looped inside one step: wall and CPU per flow next to the floors
  (the engine's per-request latency);
- 10,000 scenarios waiting at once (sleeper.lua): peak RSS, CPU while waiting;
- redaction throughput with 1 and 10,000 secrets (redact_bench.c), if given.

Targets (the scale issue): 2,000 scenarios <= 2x the Lua floor's CPU per
flow; 8,000 <= 1.3x the per-flow CPU at 1,000; looped wall <= 1.3x the C
floor, CPU <= 1.2x the Lua floor; 10,000 waiting <= 400 MB.  Ratios, not
timings, are what to read: the machine is shared.  SCALE_SIZES=1000,2000
runs fewer sizes; wall times are the best of SCALE_RUNS (3) runs."""
import os
import subprocess
import sys
import tempfile

from run import CONCURRENT, CONCURRENT_MB, run_timed, sleepers, table

HERE = os.path.dirname(os.path.abspath(__file__))
FLOWS = 2000
RUNS = int(os.environ.get("SCALE_RUNS", "3"))


def best(cmd):
    """(min wall, min CPU) over RUNS runs: load from other work only adds."""
    runs = [run_timed(cmd) for _ in range(RUNS)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def floors(floor_bin, base):
    cw, cc = best([floor_bin, base, str(FLOWS)])
    lw, lc = best([floor_bin, base, str(FLOWS), os.path.join(HERE, "floor_flow.lua")])
    return (cw / FLOWS, cc / FLOWS), (lw / FLOWS, lc / FLOWS)


def suite(tt, base, n):
    with tempfile.TemporaryDirectory() as d:
        src = open(os.path.join(HERE, "flow.lua")).read()
        os.mkdir(os.path.join(d, "s"))
        for i in range(n):
            with open(os.path.join(d, "s", "flow%05d.lua" % i), "w") as fp:
                fp.write(src)
        _, cpu = best([tt, "run", "--parallel", "1", "--var", "BASE=" + base, "--json", os.path.join(d, "r.json"),
                       "--junit", os.path.join(d, "r.xml"), os.path.join(d, "s")])
    return cpu / n


def redaction(bench):
    out = []
    for n in (1, 10000):
        out.append(subprocess.run([bench, str(n)], check=True, capture_output=True, text=True).stdout.strip())
    return out


def ms(s):
    return "%.3f ms" % (s * 1e3)


def main():
    tt, floor_bin, base = sys.argv[1], sys.argv[2], sys.argv[3]
    sizes = [int(s) for s in os.environ.get("SCALE_SIZES", "1000,2000,4000,8000").split(",")]
    (c_wall, c_cpu), (l_wall, l_cpu) = floors(floor_bin, base)
    rows = [
        ["C floor: the flow over one libcurl handle (%d flows)" % FLOWS, "CPU/flow", ms(c_cpu), "", "", ""],
        ["Lua floor: the same flow in Lua 5.4", "CPU/flow", ms(l_cpu), "%.2fx C" % (l_cpu / c_cpu), "", ""],
    ]
    first = None
    for n in sizes:
        cpu = suite(tt, base, n)
        first = first or cpu
        target = "<= 2x Lua floor" if n == 2000 else "<= 1.3x at %d" % sizes[0] if n == sizes[-1] else ""
        rows.append(["%d scenarios x 5 steps, --json --junit" % n, "CPU/flow", ms(cpu),
                     "%.2fx Lua floor" % (cpu / l_cpu), "%.2fx at %d" % (cpu / first, sizes[0]), target])
    tw, tc = best([tt, "run", "--var", "BASE=" + base, "--var", "LOOP=%d" % FLOWS, os.path.join(HERE, "flow.lua")])
    tw, tc = tw / FLOWS, tc / FLOWS
    rows.append(["the flow looped %d times in one step" % FLOWS, "wall/flow", ms(tw), "%.2fx C floor (%s)" %
                 (tw / c_wall, ms(c_wall)), "", "<= 1.3x C floor"])
    rows.append(["the flow looped %d times in one step" % FLOWS, "CPU/flow", ms(tc), "%.2fx Lua floor" % (tc / l_cpu),
                 "", "<= 1.2x Lua floor"])
    rss, pct, _, _ = sleepers(tt, CONCURRENT, 20, 10)
    rows.append(["%d scenarios waiting at once (sleep)" % CONCURRENT, "peak RSS", "%.0f MB" % rss,
                 "%.0f KB each" % (rss * 1024 / CONCURRENT), "", "<= %d MB" % CONCURRENT_MB])
    rows.append(["%d scenarios waiting at once (sleep)" % CONCURRENT, "CPU", "%.2f%% of a core" % pct, "", "",
                 "< 5%"])
    if len(sys.argv) > 4:
        one, many = redaction(sys.argv[4])
        rows.append(["redaction, 1 MB of trace-like text", "throughput", "%s MB/s" % one, "1 secret", "", ""])
        rows.append(["redaction, 1 MB of trace-like text", "throughput", "%s MB/s" % many, "10,000 secrets", "",
                     "same as 1 secret"])
    table("telltale's cost (best of %d runs; read the ratios)" % RUNS,
          ["what", "measure", "value", "ratio", "growth", "target"], rows)


if __name__ == "__main__":
    main()
