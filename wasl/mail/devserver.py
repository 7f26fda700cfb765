"""The local SMTP server of the demo and the tests: it takes any message and keeps it.

    python -m wasl.mail.devserver [--port 8026] [--dir var/mail-dev]

Each message is written as `<n>.eml` in the folder, with one line about it (envelope sender
and recipients, size, time) appended to `index.jsonl`; the demo page and the tests read them.
It prints `mail-dev listening on HOST:PORT` when ready. No database and no Django: it stands
for the world's mail servers, the way the fake SMS provider stands for a carrier."""

from __future__ import annotations

import argparse
import json
import signal
import socket
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Keeper:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        self.count = len(list(folder.glob("*.eml")))

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        with self.lock:
            self.count += 1
            name = f"{self.count:06d}.eml"
            (self.folder / name).write_bytes(bytes(raw))
            entry = {
                "file": name,
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "size": len(raw),
                "received_at": datetime.now(UTC).isoformat(),
            }
            with (self.folder / "index.jsonl").open("a", encoding="utf-8") as index:
                index.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return "250 OK kept"


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8026, help="0: a free port")
    parser.add_argument("--dir", default="var/mail-dev", help="where messages are kept")
    args = parser.parse_args(argv)
    port = args.port or free_port(args.host)
    server = Controller(Keeper(Path(args.dir)), hostname=args.host, port=port)
    server.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"mail-dev listening on {args.host}:{port}", flush=True)
    try:
        stop.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
