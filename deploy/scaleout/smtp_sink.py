"""A slow SMTP server for the scale-out cluster (deploy/scaleout), loopback only: it takes every message, waits DELAY
seconds before saying it has it (a real mail relay's pace, so that a task worker killed during a send is killed in
the middle of one), and appends one JSON line per message to LOG — received, and acknowledged or not (the sender
vanished before the answer). The soak's report counts these against the deliveries the product recorded as sent,
and looks for any message that arrived twice.

    .venv/bin/python deploy/scaleout/smtp_sink.py PORT LOG [DELAY]
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import json
import socketserver
import sys
import threading
import time
from pathlib import Path

DELAY = 3.0
LOG = Path("smtp.jsonl")
lock = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.reply("220 scaleout SMTP sink")
        sender, recipients = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 scaleout")
            elif verb == "MAIL":
                sender, recipients = command[10:], []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command[8:])
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go on")
                self.receive(sender, recipients)
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP, …
                self.reply("250 OK")

    def receive(self, sender: str, recipients: list[str]) -> None:
        data = bytearray()
        while True:
            line = self.rfile.readline()
            if not line or line in (b".\r\n", b".\n"):
                break
            data += line[1:] if line.startswith(b"..") else line
        if not data:
            return
        message = email.message_from_bytes(bytes(data), policy=email.policy.default)
        entry = {
            "received": dt.datetime.now(dt.UTC).timestamp(),
            "from": sender,
            "to": recipients,
            "message_id": str(message.get("Message-ID", "")),
            "subject": str(message.get("Subject", "")),
            # The same text to the same people twice is the same notice sent twice, whatever its Message-ID.
            "content": hashlib.sha256(
                repr((recipients, str(message.get("Subject", "")))).encode()
                + bytes(data).split(b"\n\n", 1)[-1]
            ).hexdigest(),
        }
        time.sleep(DELAY)
        try:
            self.reply("250 OK: queued")
            entry["acknowledged"] = True
        except OSError:
            entry["acknowledged"] = False
        with lock, LOG.open("a") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main() -> None:
    global DELAY, LOG
    port = int(sys.argv[1])
    LOG = Path(sys.argv[2])
    DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else DELAY
    with Server(("127.0.0.1", port), Handler) as server:
        print(f"SMTP sink on 127.0.0.1:{port}, {DELAY} s a message, log {LOG}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
