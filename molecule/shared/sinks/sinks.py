# SPDX-License-Identifier: GPL-3.0-or-later
"""Receivers that really receive, for the alerting tests: every webhook body and every mail, one JSON line each.

    python3 sinks.py webhook PORT FILE    an HTTP server; each POST body (JSON) is appended to FILE
    python3 sinks.py smtp PORT FILE       an SMTP server (aiosmtpd); each mail is appended to FILE
    python3 sinks.py pack ZIP             (on the controller) aiosmtpd and its dependencies, in one zip to import from

The tests read FILE on the host; nothing here decides what counts as a notification.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


def record(path: str, entry: dict) -> None:
    with LOCK, open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"received_at": time.time(), **entry}) + "\n")


def webhook(port: int, path: str) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = json.loads(body)
            except ValueError:
                payload = {"unparsed": body.decode("utf-8", "replace")}
            record(path, {"path": self.path, "body": payload})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


def smtp(port: int, path: str) -> None:
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            mail = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            body = mail.get_body(preferencelist=("plain", "html"))
            record(path, {"from": envelope.mail_from, "to": envelope.rcpt_tos, "subject": str(mail["subject"]),
                          "body": body.get_content() if body else ""})
            return "250 Message accepted for delivery"

    Controller(Handler(), hostname="0.0.0.0", port=port).start()
    threading.Event().wait()


def pack(path: str) -> None:
    import importlib
    import zipfile
    from pathlib import Path

    with zipfile.ZipFile(path, "w") as out:
        for name in ("aiosmtpd", "public", "attr", "attrs"):
            package = Path(importlib.import_module(name).__file__).parent
            for source in sorted(package.rglob("*.py")):
                out.write(source, source.relative_to(package.parent))


if __name__ == "__main__":
    if sys.argv[1] == "pack":
        pack(sys.argv[2])
    else:
        kind, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        {"webhook": webhook, "smtp": smtp}[kind](port, path)
