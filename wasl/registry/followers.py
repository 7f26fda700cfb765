"""Who besides the party hears of a transaction's outcome (متابعو المعاملة).

An app whose transactions have followers the registry does not know — Balagh 940's reporters,
who give no ID number and are no party — provides them here in its `AppConfig.ready()`; the
notifications app asks here when a step is taken. The registry imports neither: the same
inversion as `events`, so that apps side by side never import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import Event, Transaction


@dataclass(frozen=True)
class Follower:
    """One person to tell: a Saudi mobile in E.164 and/or an e-mail address, and the
    language ("ar" or "en") they are told in."""

    phone: str = ""
    email: str = ""
    language: str = "ar"


@dataclass(frozen=True)
class Outcome:
    """What the followers of a transaction are told at an event: `step` names the notice
    (the notifications app's step, whose texts it holds), `followers` who gets it."""

    step: str
    followers: tuple[Follower, ...]


# Given the event and its transaction, in the step's database transaction: the outcome to
# tell, or None. A provider must cost no query for transactions that are not its own.
Provider = Callable[[Event, Transaction], Outcome | None]
providers: list[Provider] = []


def provide(provider: Provider) -> None:
    if provider not in providers:
        providers.append(provider)


def outcomes(event: Event, txn: Transaction) -> list[Outcome]:
    found = []
    for provider in providers:
        outcome = provider(event, txn)
        if outcome is not None and outcome.followers:
            found.append(outcome)
    return found
