#!/usr/bin/env python3
"""deploy_args.py systemd|cronjob FILE [OPTION=VALUE...] — the telltale
arguments of a deployment example (ExecStart= of a systemd unit, the
container args of a Kubernetes CronJob), one per line, with the values of
the given options (and PATH for the scenario paths) replaced by local ones,
so the test suite runs the examples' own command lines."""
import shlex
import sys

import yaml

FLAGS = {"--fail-fast", "--trace", "--no-color", "-v", "--verbose"}


def main():
    kind, path = sys.argv[1], sys.argv[2]
    subs = dict(a.split("=", 1) for a in sys.argv[3:])
    if kind == "systemd":
        text = open(path).read().replace("\\\n", " ")
        line = next(l for l in text.splitlines() if l.startswith("ExecStart="))
        argv = shlex.split(line[len("ExecStart="):])
        if argv[0] != "/usr/local/bin/telltale":
            raise SystemExit("ExecStart runs %s, not make install's /usr/local/bin/telltale" % argv[0])
        args = argv[1:]
    else:
        doc = yaml.safe_load(open(path))
        args = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
    out, i = [], 0
    while i < len(args):
        a = args[i]
        if a in FLAGS or not a.startswith("-"):
            out.append(subs.get("PATH", a) if not a.startswith("-") and a != "run" else a)
        elif "=" in a:
            name, value = a.split("=", 1)
            out.append(name + "=" + subs.get(name, value))
        else:
            out += [a, subs.get(a, args[i + 1])]
            i += 1
        i += 1
    print("\n".join(out))


if __name__ == "__main__":
    main()
