"""The worker sleeps until a sending wakes it (or a retry comes due), instead of polling."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from wasl.exchange import delivery, wakeup
from wasl.exchange.models import DeliveryState, OutgoingMessage

from .conftest import send
from .nodes import wait_for


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_a_notification_wakes_the_listener_and_is_taken_once(var_dir):
    listener = wakeup.Listener()
    try:
        assert listener.listening and listener.path == var_dir / "exchange-worker.sock"
        assert listener.wait(0) is False
        for _ in range(5):
            wakeup.notify()
        assert listener.wait(5) is True
        assert listener.wait(0) is False  # the five were taken together
    finally:
        listener.close()
    assert not (var_dir / "exchange-worker.sock").exists()
    wakeup.notify()  # nobody listens: nothing happens


def test_a_second_worker_polls_and_a_dead_workers_socket_is_taken_over(var_dir):
    first = wakeup.Listener()
    second = wakeup.Listener()
    try:
        assert first.listening and not second.listening
        assert second.wait(0) is False
    finally:
        second.close()
        first.close()
    # A worker killed without closing leaves its socket file behind.
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(str(var_dir / "exchange-worker.sock"))
    dead.close()
    assert (var_dir / "exchange-worker.sock").exists()
    taker = wakeup.Listener()
    try:
        assert taker.listening
        wakeup.notify()
        assert taker.wait(5) is True
    finally:
        taker.close()


def test_a_path_too_long_for_a_socket_leaves_the_worker_polling(settings, tmp_path):
    deep = tmp_path / ("d" * 120)
    deep.mkdir()
    settings.VAR_DIR = deep
    listener = wakeup.Listener()
    assert not listener.listening
    assert listener.wait(0) is False
    listener.close()


def test_poke_wakes_a_wait(var_dir):
    listener = wakeup.Listener()
    try:
        threading.Timer(0.2, listener.poke).start()
        assert listener.wait(30) is True
    finally:
        listener.close()


class Running:
    """A worker in a thread of this process, stopped at the end."""

    def __init__(self) -> None:
        self.worker = delivery.Worker(poll=0.05)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.worker.run()
        finally:
            connection.close()  # this thread's own

    def __enter__(self) -> delivery.Worker:
        self.thread.start()
        wait_for(lambda: self.worker.listener is not None, 10, "the worker to listen")
        return self.worker

    def __exit__(self, *_: object) -> None:
        self.worker.stop()
        self.thread.join(10)
        assert not self.thread.is_alive(), "the worker did not stop when told"


def _delivered(message_id: int) -> bool:
    return OutgoingMessage.objects.get(pk=message_id).state == DeliveryState.DELIVERED


def test_a_letter_sent_wakes_the_idle_worker_which_delivers_it(
    net, transactional_db, var_dir, monkeypatch
):
    monkeypatch.setattr(wakeup, "IDLE_SECONDS", 300.0)  # it would not look again by itself
    sleeping = threading.Event()
    real_wait = wakeup.Listener.wait

    def wait(self, timeout):
        sleeping.set()
        return real_wait(self, timeout)

    monkeypatch.setattr(wakeup.Listener, "wait", wait)
    with Running() as worker:
        assert worker.listener is not None and worker.listener.listening
        # Sent only once the worker has looked, found nothing and gone to sleep.
        assert sleeping.wait(10), "the worker did not go to sleep"
        sent = send(net)  # for an entity of this node, left to the worker (net's setting)
        wait_for(lambda: _delivered(sent.messages[0].pk), 30, "the worker to deliver")


def test_an_idle_worker_wakes_when_a_retry_comes_due(net, transactional_db, var_dir, monkeypatch):
    monkeypatch.setattr(wakeup, "IDLE_SECONDS", 300.0)
    monkeypatch.setattr(wakeup, "notify", lambda: None)  # no wake-up from the sending
    sent = send(net)
    message = sent.messages[0]
    OutgoingMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() + timedelta(seconds=1)
    )
    with Running():
        wait_for(lambda: _delivered(message.pk), 30, "the worker to deliver when due")
