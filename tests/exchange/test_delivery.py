"""The worker's retries: a receiver that cannot be reached is tried again with exponential
back-off (with jitter, up to a ceiling), a refusal for good fails at once, a message is given
up only after its time, and a node that was down gets everything once it answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from wasl.exchange import delivery
from wasl.exchange.models import OutgoingMessage

from .conftest import send


class Down(delivery.Transport):
    """A node that does not answer."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def post(self, base_url, path, body, headers):
        self.calls += 1
        raise OSError("connection refused")


class Answers(delivery.Transport):
    """A node that answers every request with the same status and JSON body."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.answer = (status, headers or {}, body)

    def post(self, base_url, path, body, headers):
        return self.answer


def attempt(transport: delivery.Transport) -> tuple[OutgoingMessage, float]:
    """Make the message due, run one pass, and return it with its delay until the next try."""
    OutgoingMessage.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    before = timezone.now()
    delivery.deliver_due(transport=transport)
    row = OutgoingMessage.objects.get()
    return row, (row.next_attempt_at - before).total_seconds()


def test_an_unreachable_node_is_retried_with_exponential_back_off(net, foreign, settings):
    settings.WASL_EXCHANGE_BACKOFF_BASE_SECONDS = 10.0
    settings.WASL_EXCHANGE_BACKOFF_MAX_SECONDS = 100.0
    send(net, to=["POL-MKK"])
    down = Down()
    delays = []
    for _ in range(6):
        row, delay = attempt(down)
        assert (row.state, row.last_error_code) == ("pending", "unreachable")
        delays.append(delay)
    assert row.attempts == 6 and down.calls == 6
    # 10, 20, 40, 80 s (each ±20 % jitter), then the ceiling of 100 s (±20 %).
    for delay, expected in zip(delays, (10, 20, 40, 80, 100, 100), strict=True):
        assert expected * 0.79 <= delay <= expected * 1.21, delays


def test_a_node_that_asks_to_wait_is_tried_again_after_its_retry_after(net, foreign):
    send(net, to=["POL-MKK"])
    busy = Answers(
        429,
        b'{"code":"rate_limited","message_en":"slow down","retryable":true}',
        {"retry-after": "7"},
    )
    row, delay = attempt(busy)
    assert (row.state, row.last_error_code) == ("pending", "rate_limited")
    assert 6.9 <= delay <= 7.1


def test_a_refusal_for_good_fails_the_message_at_once(net, foreign):
    send(net, to=["POL-MKK"])
    refusal = Answers(
        200,
        b'{"results":[{"message_id":"%s","error":{"code":"member_revoked","retryable":false}}]}'
        % str(OutgoingMessage.objects.get().message_id).encode(),
    )
    row, _ = attempt(refusal)
    assert (row.state, row.last_error_code, row.attempts) == ("failed", "member_revoked", 1)


def test_an_answer_that_is_not_a_batch_result_is_retried(net, foreign):
    send(net, to=["POL-MKK"])
    row, _ = attempt(Answers(502, b"<html>bad gateway</html>"))
    assert (row.state, row.last_error_code) == ("pending", "bad_response")


def test_a_message_is_given_up_only_after_its_time(net, foreign, settings):
    settings.WASL_EXCHANGE_GIVE_UP_SECONDS = 3600
    send(net, to=["POL-MKK"])
    row, _ = attempt(Down())
    assert row.state == "pending"
    OutgoingMessage.objects.update(created_at=timezone.now() - timedelta(hours=2))
    row, _ = attempt(Down())
    assert (row.state, row.last_error_code) == ("failed", "unreachable")


@pytest.mark.parametrize("attempts", [1, 2, 5, 30])
def test_the_back_off_never_exceeds_its_ceiling(settings, attempts):
    settings.WASL_EXCHANGE_BACKOFF_BASE_SECONDS = 2.0
    settings.WASL_EXCHANGE_BACKOFF_MAX_SECONDS = 600.0
    delay = delivery.backoff(attempts)
    expected = min(2.0 * 2 ** (attempts - 1), 600.0)
    assert expected * 0.8 <= delay <= expected * 1.2


def test_a_message_claimed_by_one_worker_is_not_claimed_by_another(net, foreign):
    send(net, to=["POL-MKK"])
    first = delivery.claim(10)
    assert [m.attempts for m in first] == [1]
    assert delivery.claim(10) == []  # leased: due again only when the lease ends
    OutgoingMessage.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert [m.attempts for m in delivery.claim(10)] == [2]  # a worker that died: taken again


def test_a_message_to_retry_gets_a_run_of_the_delivery_task_at_its_time(
    net, foreign, settings, monkeypatch
):
    from django_tasks import default_task_backend

    from wasl.exchange import tasks

    # A backend that keeps what is enqueued (the tests' inline one cannot defer).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(delivery, "default_transport", Down)
    send(net, to=["POL-MKK"])
    assert tasks.deliver_outbox.call() == {"delivered": 0, "retrying": 1, "failed": 0}
    (queued,) = default_task_backend.results
    row = OutgoingMessage.objects.get()
    assert queued.task.func is tasks.deliver_outbox.func
    assert queued.task.run_after == row.next_attempt_at > timezone.now()
