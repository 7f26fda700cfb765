"""Waking the worker when a message enters the outbox, instead of the worker polling fast.

The worker listens on a datagram socket in the node's folder (`VAR_DIR/exchange-worker.sock`).
A process of the node that commits a message for another node sends it one byte; the worker,
idle, wakes at once, claims and delivers. An idle worker then waits long (`IDLE_SECONDS`, or
until the next retry is due) instead of asking the database every `--poll` seconds: each
poll of a warm worker costs ~2 ms of CPU, 4 % of a core at the tests' 0.05 s.

The socket is only a hint. A wake-up lost (a full socket buffer, a worker on another machine
than the web server, a second worker that could not listen) costs latency, never a message:
a worker that listens still looks at the outbox at least every `IDLE_SECONDS`, and one that
cannot listen polls every `--poll` seconds as before.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import logging
import os
import select
import socket
import threading
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

# The longest an idle worker that listens waits before it looks at the outbox anyway.
IDLE_SECONDS = 2.0

_sender: socket.socket | None = None
_sender_lock = threading.Lock()


@atexit.register
def _close_sender() -> None:
    if _sender is not None:
        _sender.close()


def socket_path() -> Path:
    return Path(settings.VAR_DIR) / "exchange-worker.sock"


def notify() -> None:
    """Tell this node's worker that the outbox has something new (never fails)."""
    global _sender
    try:
        with _sender_lock:
            if _sender is None:
                _sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                _sender.setblocking(False)
            _sender.sendto(b"!", str(socket_path()))
    except OSError:  # no worker listening, or its buffer is full: it looks anyway
        pass


class Listener:
    """The worker's end. `listening` is False when the socket could not be bound (another
    worker listens, the path is too long): the worker then polls as before."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or socket_path()
        self.sock: socket.socket | None = None
        try:
            self.sock = self._bind()
        except OSError as error:
            logger.info("exchange worker: no wake-ups (%s); polling", error)
            self.sock = None

    @property
    def listening(self) -> bool:
        return self.sock is not None

    def _bind(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            try:
                sock.bind(str(self.path))
            except OSError as error:
                if error.errno != errno.EADDRINUSE or self._someone_listens():
                    raise
                self.path.unlink()  # left by a worker that died: take it over
                sock.bind(str(self.path))
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return sock

    def _someone_listens(self) -> bool:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            probe.connect(str(self.path))
        except OSError:
            return False
        finally:
            probe.close()
        return True

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a wake-up; True if one came (all are taken)."""
        if self.sock is None:
            return False
        ready, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if not ready:
            return False
        self.drain()
        return True

    def drain(self) -> None:
        if self.sock is None:
            return
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while True:
                self.sock.recv(64)

    def poke(self) -> None:
        """Wake a `wait` of this listener (from a signal handler, say)."""
        if self.sock is None:
            return
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.setblocking(False)
            s.sendto(b"!", str(self.path))

    def close(self) -> None:
        if self.sock is None:
            return
        self.sock.close()
        self.sock = None
        with contextlib.suppress(OSError):
            os.unlink(self.path)
