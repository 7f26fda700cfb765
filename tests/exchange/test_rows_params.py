"""The exchange's rows (outbox, inbox, log, keys, members) are written with the parameters
their fields' own preparation gives (see tests/test_rows.py)."""

from __future__ import annotations

from wasl.exchange.models import IncomingMessage, LogEntry, Member, MemberKey, OutgoingMessage

from ..test_rows import assert_params_as_django
from .conftest import move, send


def test_exchange_rows_are_written_as_django_would(net):
    send(net, cc=["GOV-JED"])
    move()
    seen = 0
    for model in (OutgoingMessage, IncomingMessage, LogEntry, Member, MemberKey):
        objs = list(model.objects.all())
        assert objs, model.__name__
        for obj in objs:
            assert_params_as_django(obj)
            seen += 1
    assert seen >= 10
