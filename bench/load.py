"""Load from concurrent client processes over HTTP, as a client of the API would send it.

Each client process keeps its own `http.client` connection (kept alive when the server allows
it, opened again when the server closes it), waits for the others, then repeats one unit of
work (a request, a lifecycle of four calls…) until its time is up. Every call is timed by its
kind; the rate is units of work over the span from the first start to the last finish."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit


class CallFailed(RuntimeError):
    pass


class Client:
    """One connection to the server, timing every call by its kind."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        self.times: dict[str, list[float]] = {}
        self.location = ""  # the Location of the last answer (a form's redirect)

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        token: str = "",
        data: Any = None,
        form: dict[str, str] | None = None,
        cookie: str = "",
        expect: tuple[int, ...] = (200, 201),
    ) -> Any:
        """`data` is sent as JSON, `form` as a browser posts a form (urlencoded)."""
        body = json.dumps(data).encode() if data is not None else None
        headers = {"Connection": "keep-alive"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if cookie:
            headers["Cookie"] = cookie
        started = time.perf_counter()
        status, payload, content_type = self._send(method, path, body, headers)
        self.times.setdefault(kind, []).append(time.perf_counter() - started)
        if status not in expect:
            raise CallFailed(f"{method} {path}: {status} {payload[:500]!r}")
        if content_type.startswith("application/json"):
            return json.loads(payload)
        return payload

    def _send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes, str]:
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                self.location = response.getheader("Location", "")
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()  # the next call opens a new connection
                return response.status, payload, response.getheader("Content-Type", "")
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # An idle kept-alive connection the server had closed: nothing was processed.
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


Work = Callable[[Client, int], None]


@dataclass
class Result:
    units: int
    seconds: float
    times: dict[str, list[float]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0

    def percentile(self, kind: str, q: float) -> float:
        """The q-th percentile (0–100) of the calls of `kind`, in milliseconds."""
        samples = sorted(self.times.get(kind, []))
        if not samples:
            return 0.0
        if len(samples) == 1:
            return samples[0] * 1000
        return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1] * 1000


def _client(url: str, work: Work, index: int, seconds: float, barrier: Any, out: Any) -> None:
    try:
        client = Client(url)
        barrier.wait(timeout=120)  # a client that failed to start breaks it for all
        started = time.monotonic()
        deadline, done = started + seconds, 0
        while time.monotonic() < deadline:
            work(client, index * 1_000_000 + done)
            done += 1
        out.put(("ok", done, started, time.monotonic(), client.times))
    except BaseException:
        out.put(("error", traceback.format_exc(), 0.0, 0.0, {}))


def run(url: str, work: Work, clients: int, seconds: float) -> Result:
    """Run `work(client, i)` over and over in `clients` processes for `seconds` each.

    Processes are forked: close the parent's database connections first."""
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(clients), ctx.Queue()
    procs = [
        ctx.Process(target=_client, args=(url, work, i, seconds, barrier, out), daemon=True)
        for i in range(clients)
    ]
    for proc in procs:
        proc.start()
    reports = [out.get(timeout=seconds + 600) for _ in procs]
    for proc in procs:
        proc.join(30)
    errors = [r[1] for r in reports if r[0] == "error"]
    if errors:
        raise CallFailed(f"{len(errors)} client(s) failed:\n{errors[0]}")
    times: dict[str, list[float]] = {}
    for report in reports:
        for kind, samples in report[4].items():
            times.setdefault(kind, []).extend(samples)
    span = max(r[3] for r in reports) - min(r[2] for r in reports)
    return Result(sum(r[1] for r in reports), span, times)


def bare(client: Client, i: int) -> None:
    """The floor of the machine and server: the bare WSGI application (bench/bare.py)."""
    client.call("bare", "GET", "/")


def me(token: str) -> Work:
    """The floor of a Wasl request: server, middleware, token, one small answer."""

    def run(client: Client, i: int) -> None:
        client.call("me", "GET", "/api/v1/me", token=token)

    return run


def rounds(
    runs: list[tuple[str, str, Work]],
    count: int,
    clients: int,
    seconds: float,
    show: Callable[[dict[str, list[Result]]], str] | None = None,
) -> dict[str, list[Result]]:
    """Each (name, url, work) of `runs` once per round for `seconds`, in an order that turns
    from round to round (none always first), after a short warm-up of each (every server
    worker imports and connects). The results by name, one per round."""
    for _, url, work in runs:
        run(url, work, clients, min(seconds, 1.0))
    results: dict[str, list[Result]] = {name: [] for name, _, _ in runs}
    for r in range(count):
        turn = r % len(runs)
        for name, url, work in runs[turn:] + runs[:turn]:
            results[name].append(run(url, work, clients, seconds))
        if show:
            print(f"round {r + 1}: {show(results)}", flush=True)
    return results


def summary(results: list[Result], kind: str) -> tuple[float, float, float]:
    """(median rate, median p50 ms, median p95 ms) over the rounds."""
    return (
        statistics.median(r.rate for r in results),
        statistics.median(r.percentile(kind, 50) for r in results),
        statistics.median(r.percentile(kind, 95) for r in results),
    )
