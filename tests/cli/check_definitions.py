#!/usr/bin/env python3
"""check_definitions.py README DEFINITIONS — the LuaLS definitions
(docs/telltale.lua) and the README's API reference declare the same
functions: every function named in a **syntax:** line is declared in the
definitions, and every function the definitions declare is named in a
syntax line.  A method is written with its usual receiver in the README
(`h:query`) and with its class in the definitions (`DbHandle:query`)."""
import re
import sys

# The README's receivers and the definitions' classes.
RECEIVERS = {
    "e": "Expectation",
    "resp": "Response",
    "doc": "HtmlDocument",
    "form": "Form",
    "h": "DbHandle",
    "mb": "Mailbox",
    "msg": "Message",
    "page": "Page",
}
CALL = re.compile(r"(?<![\w.:\"'])([A-Za-z_]\w*(?:[.:][A-Za-z_]\w*)*)\s*[({]")
KEYWORDS = {"function", "if", "return", "and", "or", "not"}


def readme_functions(path):
    names, errors = {}, []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.startswith("**syntax:**"):
            continue
        for code in re.findall(r"`([^`]*)`", line):
            for name in CALL.findall(code):
                if name in KEYWORDS:
                    continue
                if ":" in name:
                    recv, method = name.split(":", 1)
                    if recv not in RECEIVERS:
                        errors.append("README.md:%d: %s: receiver '%s' is not one of %s (add it to %s)"
                                      % (n, name, recv, ", ".join(sorted(RECEIVERS)), sys.argv[0]))
                        continue
                    names.setdefault(RECEIVERS[recv] + ":" + method, (n, "%s (%s)" % (name, RECEIVERS[recv] + ":" + method)))
                    continue
                names.setdefault(name, (n, name))
    return names, errors


def declared_functions(path):
    names = {}
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        m = re.match(r"function ([\w.:]+)\(", line)
        if m:
            names.setdefault(m.group(1), n)
    return names


def main():
    readme, errors = readme_functions(sys.argv[1])
    defs = declared_functions(sys.argv[2])
    for name in sorted(set(readme) - set(defs)):
        errors.append("README.md:%d: %s has a syntax line but is not declared in %s" % (readme[name] + (sys.argv[2],)))
    for name in sorted(set(defs) - set(readme)):
        errors.append("%s:%d: %s is declared but no **syntax:** line of the README names it"
                      % (sys.argv[2], defs[name], name))
    if not readme:
        errors.append("no **syntax:** line found in " + sys.argv[1])
    print("\n".join(errors) if errors else "%d functions, the same in both" % len(defs))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
