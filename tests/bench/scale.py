#!/usr/bin/env python3
"""tests/bench/scale.py TELLTALE FLOOR_FLOW BASE — does a suite's cost grow
linearly?  flow.lua (5 requests, 12 checks, a token per scenario that
becomes a secret) written as N five-step scenario files, run by one
`telltale run --parallel 1 --json --junit` for N = 1,000 .. 8,000, CPU per
flow next to the C floor and the Lua floor (floor_flow.c: the same flow over
one libcurl handle, bare and driven by Lua 5.4), all measured in this run.
Then the flow looped inside one step: wall and CPU per flow next to the
floors (the engine's per-request latency).  Targets (PEERS.md, the scale
issue): 2,000 scenarios <= 2x the Lua floor's CPU per flow; 8,000 <= 1.3x
the per-flow CPU at 1,000; looped wall <= 1.3x the C floor, CPU <= 1.2x the
Lua floor.  Ratios, not timings, are what to read."""
import os
import sys
import tempfile

from run import run_timed, table

HERE = os.path.dirname(os.path.abspath(__file__))
FLOWS = 2000


def floors(floor_bin, base):
    cw, cc, _ = run_timed([floor_bin, base, str(FLOWS)])
    lw, lc, _ = run_timed([floor_bin, base, str(FLOWS), os.path.join(HERE, "floor_flow.lua")])
    return (cw / FLOWS, cc / FLOWS), (lw / FLOWS, lc / FLOWS)


def suite(tt, base, n):
    with tempfile.TemporaryDirectory() as d:
        src = open(os.path.join(HERE, "flow.lua")).read()
        os.mkdir(os.path.join(d, "s"))
        for i in range(n):
            with open(os.path.join(d, "s", "flow%05d.lua" % i), "w") as fp:
                fp.write(src)
        wall, cpu, rss = run_timed([tt, "run", "--parallel", "1", "--var", "BASE=" + base,
                                    "--json", os.path.join(d, "r.json"), "--junit", os.path.join(d, "r.xml"),
                                    os.path.join(d, "s")])
    return wall / n, cpu / n, rss


def main():
    tt, floor_bin, base = sys.argv[1], sys.argv[2], sys.argv[3]
    sizes = [int(s) for s in os.environ.get("SCALE_SIZES", "1000,2000,4000,8000").split(",")]
    (c_wall, c_cpu), (l_wall, l_cpu) = floors(floor_bin, base)
    rows = [["C floor: one libcurl handle, %d flows" % FLOWS, "%.3f" % (c_cpu * 1e3), "1.00", "-", "-", "-"],
            ["Lua floor: the flow in Lua 5.4 over that handle", "%.3f" % (l_cpu * 1e3), "%.2f" % (l_cpu / c_cpu),
             "1.00", "-", "-"]]
    first = None
    for n in sizes:
        _, cpu, rss = suite(tt, base, n)
        first = first or cpu
        rows.append(["telltale, %d scenarios x 5 steps, --json --junit" % n, "%.3f" % (cpu * 1e3),
                     "%.2f" % (cpu / c_cpu), "%.2f" % (cpu / l_cpu), "%.2f" % (cpu / first), "%.0f MB" % rss])
    table("A suite's cost: CPU per flow (5 requests, 12 checks) as the suite grows",
          ["runner", "CPU ms/flow", "x C floor", "x Lua floor", "x per-flow at %d" % sizes[0], "peak RSS"], rows)
    tw, tc, _ = run_timed([tt, "run", "--var", "BASE=" + base, "--var", "LOOP=%d" % FLOWS,
                           os.path.join(HERE, "flow.lua")])
    tw, tc = tw / FLOWS, tc / FLOWS
    table("The flow looped %d times in one step: the engine's cost per flow" % FLOWS,
          ["runner", "wall ms/flow", "x C floor (wall)", "CPU ms/flow", "x Lua floor (CPU)"], [
        ["C floor", "%.3f" % (c_wall * 1e3), "1.00", "%.3f" % (c_cpu * 1e3), "%.2f" % (c_cpu / l_cpu)],
        ["Lua floor", "%.3f" % (l_wall * 1e3), "%.2f" % (l_wall / c_wall), "%.3f" % (l_cpu * 1e3), "1.00"],
        ["telltale", "%.3f" % (tw * 1e3), "%.2f" % (tw / c_wall), "%.3f" % (tc * 1e3), "%.2f" % (tc / l_cpu)],
    ])


if __name__ == "__main__":
    main()
