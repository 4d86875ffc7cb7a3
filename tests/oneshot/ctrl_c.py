#!/usr/bin/env python3
"""ctrl_c.py TELLTALE ARGS... — run telltale on a terminal of its own (a
pty), type ^C after 0.5 s, and exit with telltale's exit code: what a person
running a wrapped job by hand and interrupting it gets."""
import os
import pty
import select
import sys
import time

pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
start, typed = time.time(), False
while time.time() - start < 30:
    if not typed and time.time() - start > 0.5:
        os.write(fd, b"\x03")
        typed = True
    if select.select([fd], [], [], 0.1)[0]:
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the other side has closed
            break
        if not data:
            break
        sys.stdout.write(data.decode("utf-8", "replace"))
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
