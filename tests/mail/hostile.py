#!/usr/bin/env python3
"""hostile.py MODE PORT — a mail server that misbehaves on purpose, on
127.0.0.1:PORT, for the e2e cases that need one (started by a case's
`-- test: background`).  Modes:
  imap-endless   greets, then sends one line that never ends
  imap-literal   greets, then announces a 4 GB literal in a FETCH answer
  imap-silent    greets (no capabilities), then never answers a command
  imap-sni       implicit TLS; the greeting says which SNI name the client sent
  smtp-endless   a greeting line that never ends
  smtp-reject    a plain SMTP server that refuses every recipient with 550
Each connection gets its own thread; the server exits after 60 s."""
import socket, ssl, sys, threading, os, time

mode, port = sys.argv[1], int(sys.argv[2])


def lines(conn):
    buf = b""
    while True:
        data = conn.recv(4096)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line.rstrip(b"\r").decode("latin-1")


def endless(conn, start):
    conn.sendall(start)
    chunk = b"a" * 65536
    while True:
        conn.sendall(chunk)


def imap(conn, greeting):
    conn.sendall(greeting)
    for line in lines(conn):
        tag, _, cmd = line.partition(" ")
        cmd = cmd.upper()
        if mode == "imap-silent":
            continue
        if cmd.startswith("CAPABILITY"):
            conn.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag.encode() + b" OK done\r\n")
        elif cmd.startswith("LOGOUT"):
            conn.sendall(b"* BYE\r\n" + tag.encode() + b" OK bye\r\n")
            return
        elif cmd.startswith("LOGIN"):
            if mode == "imap-literal":
                conn.sendall(b"* 1 FETCH (UID 1 BODY[] {4000000000}\r\n")
                endless(conn, b"")
            conn.sendall(tag.encode() + b" OK logged in\r\n")
        else:
            conn.sendall(tag.encode() + b" BAD no\r\n")


def smtp_reject(conn):
    conn.sendall(b"220 hostile ESMTP\r\n")
    for line in lines(conn):
        cmd = line.upper()
        if cmd.startswith("EHLO") or cmd.startswith("HELO"):
            conn.sendall(b"250-hostile\r\n250 PIPELINING\r\n")
        elif cmd.startswith("MAIL"):
            conn.sendall(b"250 2.1.0 Ok\r\n")
        elif cmd.startswith("RCPT"):
            conn.sendall(b"550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown\r\n")
        elif cmd.startswith("QUIT"):
            conn.sendall(b"221 2.0.0 Bye\r\n")
            return
        else:
            conn.sendall(b"502 5.5.2 no\r\n")


def serve(conn):
    try:
        if mode == "imap-endless":
            endless(conn, b"* OK ")
        elif mode in ("imap-silent", "imap-literal"):
            imap(conn, b"* OK hostile ready\r\n")
        elif mode == "imap-sni":
            names = []
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls = os.path.join(os.environ["TT_DIR"], "mail", "tls")
            ctx.load_cert_chain(os.path.join(tls, "cert.pem"), os.path.join(tls, "key.pem"))
            ctx.sni_callback = lambda s, name, c: names.append(name)
            conn = ctx.wrap_socket(conn, server_side=True)
            imap(conn, ("* OK [CAPABILITY IMAP4rev1] sni=%s\r\n" % (names[0] if names and names[0] else "none")).encode())
        elif mode == "smtp-endless":
            endless(conn, b"220 ")
        elif mode == "smtp-reject":
            smtp_reject(conn)
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
srv.settimeout(1)
end = time.time() + 60
while time.time() < end:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
