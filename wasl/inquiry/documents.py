"""What the index holds of one transaction, from its texts alone: no database, no Django
settings — so that `wasl reindex` can run it in worker processes (see `reindex.py`).

`analyse` turns the searchable texts of a transaction into the document's columns: the exact
words of the subject and of the body (normalised, compound names also joined), the stems of
both, and the scope tokens, each made safe for both databases' tokenisers.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import BinaryIO

from . import analysis
from .backends import safe_join

# (transaction id, subject, body with the searchable extras, scope tokens joined by spaces)
Source = tuple[int, str, str, str]
# (transaction id, subject words, body words, stems, scope)
Analysed = tuple[int, str, str, str, str]


def analyse(source: Source) -> Analysed:
    transaction_id, subject_text, body_text, scope = source
    subject = analysis.index_text(subject_text)
    body = analysis.index_text(body_text)
    stems = dict.fromkeys(subject.keys)
    stems.update(dict.fromkeys(body.keys))
    return (
        transaction_id,
        safe_join(subject.exact),
        safe_join(body.exact),
        safe_join(stems),
        scope,
    )


def analyse_many(sources: Sequence[Source]) -> list[Analysed]:
    """One batch, in a worker process or in this one."""
    return [analyse(s) for s in sources]


# ---------------------------------------------------------------------------------------------
# Worker processes for a rebuild: `python -m wasl.inquiry.documents` analyses batches read
# from its standard input and writes the results to its standard output, each a pickled
# list framed by its length (8 bytes, big-endian). It only ever reads what its parent, the
# rebuild, wrote to it. An empty frame ends it.

_FRAME = 8


def write_frame(stream: BinaryIO, data: bytes) -> None:
    stream.write(len(data).to_bytes(_FRAME, "big"))
    stream.write(data)
    stream.flush()


def read_frame(stream: BinaryIO) -> bytes | None:
    head = stream.read(_FRAME)
    if len(head) < _FRAME:
        return None
    size = int.from_bytes(head, "big")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("a batch was cut short")
    return data


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    while (data := read_frame(stdin)) is not None and data:
        sources = pickle.loads(data)  # noqa: S301 — frames from the parent process only
        write_frame(stdout, pickle.dumps(analyse_many(sources), pickle.HIGHEST_PROTOCOL))


class Workers:
    """Worker processes that analyse batches in turn: `submit` hands a batch to the next
    worker and returns the oldest analysed batch once every worker holds one; `rest` gives
    the batches still out, in the order they were submitted. At most one batch waits per
    worker, so neither side ever blocks on a full pipe while the other waits."""

    def __init__(self, count: int) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.procs = [
            subprocess.Popen(  # this interpreter, this module
                [sys.executable, "-m", "wasl.inquiry.documents"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
            for _ in range(count)
        ]
        self.sent = 0
        self.received = 0

    def _next_result(self) -> list[Analysed]:
        proc = self.procs[self.received % len(self.procs)]
        assert proc.stdout is not None
        data = read_frame(proc.stdout)  # type: ignore[arg-type]
        if data is None:
            raise RuntimeError(f"an index worker stopped (exit code {proc.poll()})")
        self.received += 1
        result: list[Analysed] = pickle.loads(data)  # noqa: S301 — our own worker
        return result

    def submit(self, sources: list[Source]) -> list[Analysed] | None:
        """Hand a batch to the next worker; returns that worker's previous batch, analysed,
        when it had one (the oldest batch not yet returned)."""
        ready = None
        if self.sent - self.received >= len(self.procs):
            ready = self._next_result()
        proc = self.procs[self.sent % len(self.procs)]
        assert proc.stdin is not None
        write_frame(proc.stdin, pickle.dumps(sources, pickle.HIGHEST_PROTOCOL))  # type: ignore[arg-type]
        self.sent += 1
        return ready

    def rest(self) -> Iterator[list[Analysed]]:
        while self.received < self.sent:
            yield self._next_result()

    def close(self) -> None:
        for proc in self.procs:
            if proc.stdin is None:
                continue
            try:
                write_frame(proc.stdin, b"")  # type: ignore[arg-type]
            except OSError:
                pass  # a worker that died: nothing to tell it
            try:
                proc.stdin.close()
            except OSError:
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
