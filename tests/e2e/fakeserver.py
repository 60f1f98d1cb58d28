#!/usr/bin/python3
"""fakeserver.py: small IMAP and SMTP servers, most of them misbehaving.

usage: fakeserver.py MODE DIR [CERT KEY]

Listens on 127.0.0.1, on a free port that it writes to DIR/port once it
accepts connections, and appends every byte a client sends to
DIR/received, so that a test can tell what reached the server (a LOGIN,
an AUTH, a password); a line "--- TLS ---" marks where TLS began. Runs
until it is killed. Modes:

  imap-starttls-refused  offers STARTTLS and refuses it ("NO")
  imap-no-starttls       offers no STARTTLS
  imap-trickle           a folder of one message, whose FETCH answer
                         comes at 2 bytes a second, for ever
  smtp-starttls-refused  offers STARTTLS and refuses it (454)
  smtp-no-starttls       offers no STARTTLS
  smtp-starttls          STARTTLS with CERT and KEY (PEM)
  smtps                  TLS from the start, with CERT and KEY

The IMAP modes but imap-trickle refuse every login. The SMTP modes
accept mail; they refuse AUTH in clear, and accept it over TLS.
Python's standard library only.
"""

import os
import socketserver
import ssl
import sys
import threading
import time

MODES = ("imap-starttls-refused", "imap-no-starttls", "imap-trickle",
         "smtp-starttls-refused", "smtp-no-starttls", "smtp-starttls",
         "smtps")
ARGS = sys.argv[1:] + [""] * (4 - len(sys.argv[1:]))
MODE, DIR, CERT, KEY = ARGS[:4]
LOCK = threading.Lock()
TLS = None


def record(data):
    with LOCK, open(os.path.join(DIR, "received"), "ab") as f:
        f.write(data)


class Handler(socketserver.BaseRequestHandler):
    def files(self):
        self.rfile = self.request.makefile("rb")
        self.wfile = self.request.makefile("wb")

    def starttls(self):
        record(b"--- TLS ---\n")
        self.request = TLS.wrap_socket(self.request, server_side=True)
        self.files()

    def send(self, text):
        self.wfile.write(text.encode("ascii"))
        self.wfile.flush()

    def line(self):
        data = self.rfile.readline(65536)
        if data:
            record(data)
        return data.decode("latin-1")

    def handle(self):
        try:
            self.files()
            if MODE.startswith("imap"):
                self.imap()
            else:
                if MODE == "smtps":
                    self.starttls()
                self.smtp()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    # --- IMAP ------------------------------------------------------

    def imap(self):
        caps = "IMAP4rev1 AUTH=PLAIN"
        if MODE == "imap-starttls-refused":
            caps = "IMAP4rev1 STARTTLS AUTH=PLAIN"
        elif MODE == "imap-trickle":
            caps = "IMAP4rev1"
        self.send("* OK fake IMAP ready\r\n")
        while True:
            text = self.line()
            if not text:
                return
            words = text.rstrip("\r\n").split(" ")
            tag = words[0]
            cmd = " ".join(words[1:3]).upper() if len(words) > 2 and \
                words[1].upper() == "UID" else \
                (words[1].upper() if len(words) > 1 else "")
            if cmd == "CAPABILITY":
                self.send("* CAPABILITY %s\r\n%s OK done\r\n" % (caps, tag))
            elif cmd == "STARTTLS":
                self.send("%s NO TLS is not available today\r\n" % tag)
            elif cmd == "AUTHENTICATE":
                if len(words) < 4:
                    # No initial response: ask for it, to see it.
                    self.send("+ \r\n")
                    self.line()
                self.refuse_or_accept(tag)
            elif cmd == "LOGIN":
                self.refuse_or_accept(tag)
            elif cmd == "LOGOUT":
                self.send("* BYE\r\n%s OK bye\r\n" % tag)
                return
            elif MODE != "imap-trickle":
                self.send("%s BAD not here\r\n" % tag)
            elif cmd == "STATUS":
                self.send("* STATUS INBOX (UIDVALIDITY 7)\r\n"
                          "%s OK done\r\n" % tag)
            elif cmd in ("SELECT", "EXAMINE"):
                self.send("* 1 EXISTS\r\n* 0 RECENT\r\n"
                          "* OK [UIDVALIDITY 7] UIDs valid\r\n"
                          "* OK [UIDNEXT 2] next\r\n"
                          "%s OK [READ-WRITE] done\r\n" % tag)
            elif cmd == "UID SEARCH":
                found = "" if "DELETED" in text.upper() else " 1"
                self.send("* SEARCH%s\r\n%s OK done\r\n" % (found, tag))
            elif cmd == "UID FETCH":
                self.send("* 1 FETCH (UID 1 BODY[] {100000}\r\n")
                while True:
                    self.send("xx")
                    time.sleep(1)
            else:
                self.send("%s OK done\r\n" % tag)

    def refuse_or_accept(self, tag):
        if MODE == "imap-trickle":
            self.send("%s OK logged in\r\n" % tag)
        else:
            self.send("%s NO [AUTHENTICATIONFAILED] refused\r\n" % tag)

    # --- SMTP ------------------------------------------------------

    def smtp(self):
        secure = MODE == "smtps"
        self.send("220 fake.example ESMTP\r\n")
        while True:
            text = self.line()
            if not text:
                return
            cmd = text.rstrip("\r\n").split(" ")[0].upper()
            if cmd == "EHLO":
                tls = "250-STARTTLS\r\n" if not secure and MODE in \
                    ("smtp-starttls-refused", "smtp-starttls") else ""
                self.send("250-fake.example\r\n%s250-AUTH PLAIN LOGIN\r\n"
                          "250 8BITMIME\r\n" % tls)
            elif cmd == "STARTTLS" and MODE == "smtp-starttls" \
                    and not secure:
                self.send("220 2.0.0 go ahead\r\n")
                self.starttls()
                secure = True
            elif cmd == "STARTTLS":
                self.send("454 4.7.0 TLS not available today\r\n")
            elif cmd == "AUTH":
                if len(text.split()) < 3:
                    self.send("334 \r\n")
                    self.line()
                if secure:
                    self.send("235 2.7.0 accepted\r\n")
                else:
                    self.send("535 5.7.8 refused\r\n")
            elif cmd == "DATA":
                self.send("354 go on\r\n")
                while True:
                    text = self.line()
                    if not text or text in (".\r\n", ".\n"):
                        break
                self.send("250 2.0.0 accepted\r\n")
            elif cmd == "QUIT":
                self.send("221 2.0.0 bye\r\n")
                return
            elif cmd in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                self.send("250 2.0.0 ok\r\n")
            else:
                self.send("502 5.5.2 what\r\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global TLS
    if MODE not in MODES or not DIR or \
            (MODE in ("smtp-starttls", "smtps") and not KEY):
        sys.exit(__doc__.split("\n\n")[1])
    if KEY:
        TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        TLS.load_cert_chain(CERT, KEY)
    srv = Server(("127.0.0.1", 0), Handler)
    tmp = os.path.join(DIR, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, os.path.join(DIR, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
