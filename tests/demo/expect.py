#!/usr/bin/env python3
"""expect.py REPORT [--fail 'SCENARIO|KIND|TEXT']... [--pass SCENARIO]...

Check a telltale --json report: each --fail scenario failed with that kind
and TEXT in its failure's message or detail; each --pass scenario passed.
Prints the observed failures (one line each) on success, what differs on
failure (exit 1)."""
import json
import sys


def main():
    report = json.load(open(sys.argv[1]))
    by_name = {s["name"]: s for s in report["scenarios"]}
    wrong, seen = [], []
    args = sys.argv[2:]
    for flag, value in zip(args[::2], args[1::2]):
        if flag == "--pass":
            s = by_name.get(value)
            if s is None:
                wrong.append("%s: not in the report" % value)
            elif s["status"] != "passed":
                f = s.get("failure") or {}
                wrong.append("%s: should pass, got %s [%s] %s" % (value, s["status"], f.get("kind"), f.get("message")))
        elif flag == "--fail":
            name, kind, text = value.split("|", 2)
            s = by_name.get(name)
            f = (s or {}).get("failure") or {}
            where = (f.get("message") or "") + "\n" + (f.get("detail") or "")
            if s is None:
                wrong.append("%s: not in the report" % name)
            elif s["status"] != "failed":
                wrong.append("%s: should fail [%s], but %s" % (name, kind, s["status"]))
            elif f.get("kind") != kind or text not in where:
                wrong.append("%s: should fail [%s] with %r, got [%s] %s\n%s" % (
                    name, kind, text, f.get("kind"), f.get("message"), f.get("detail") or ""))
            else:
                seen.append("%s: [%s] %s" % (name, kind, f["message"]))
        else:
            sys.exit("expect.py: unknown flag " + flag)
    if wrong:
        print("\n".join(wrong))
        return 1
    print("\n".join(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
