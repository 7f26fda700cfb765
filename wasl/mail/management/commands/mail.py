"""`wasl mail serve` (the SMTP listener), `wasl mail poll` (the IMAP mailbox, once) and
`wasl mail receive FILE` (one message from a file
or standard input, as a mail server's pipe would hand it over)."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wasl.mail import conf, imap, services, smtp


class Command(BaseCommand):
    help = "E-mail in: serve (SMTP listener) or receive one message."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        serve = sub.add_parser("serve", help="listen for SMTP")
        serve.add_argument("--host", default=None)
        serve.add_argument("--port", type=int, default=None)
        sub.add_parser("poll", help="take the unseen messages of the IMAP mailbox once")
        receive = sub.add_parser("receive", help="take one message from a file (- for stdin)")
        receive.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "serve":
            self.serve(options["host"] or conf.get("WASL_MAIL_HOST"), options["port"])
        elif options["action"] == "poll":
            if not imap.configured():
                raise CommandError("WASL_MAIL_IMAP_HOST is not set")
            polled = imap.poll()
            self.stdout.write(json.dumps(polled.__dict__))
        else:
            self.receive(options["file"])

    def serve(self, host: str, port: int | None) -> None:
        port = port if port is not None else int(conf.get("WASL_MAIL_PORT"))
        server = smtp.controller(host, port)
        try:
            server.start()
        except Exception as error:
            raise CommandError(f"cannot listen on {host}:{port}: {error}") from error
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"wasl mail listening on {host}:{port}")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            server.stop()

    def receive(self, name: str) -> None:
        limit = int(conf.get("WASL_MAIL_MAX_BYTES"))
        source = sys.stdin.buffer if name == "-" else Path(name).open("rb")
        with source:
            raw = source.read(limit + 1)
        if len(raw) > limit:
            raise CommandError(f"the message is over WASL_MAIL_MAX_BYTES ({limit} bytes)")
        row = services.receive(raw, services.Envelope(via="file"))
        self.stdout.write(json.dumps(services.describe(row), ensure_ascii=False))
