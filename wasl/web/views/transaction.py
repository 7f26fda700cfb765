"""A transaction's page: its header, who holds it, referrals, timeline, attachments, links,
and the forms of the steps the person may take now."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from wasl.notifications import queries as notifications
from wasl.registry import access, presenters
from wasl.registry.models import Attachment, Event, Referral, Transaction
from wasl.registry.states import OPEN_REFERRAL_STATES, State, Step

from .. import once
from ..workspace import Workspace, staff_page
from . import exchange, steps
from .files import PREVIEWABLE


@staff_page(needs_unit=False)
def transaction_page(request: HttpRequest, ws: Workspace, tid: Any) -> HttpResponse:
    """صفحة المعاملة — header, holders, referrals, timeline, attachments, links, steps."""
    txn = access.get_transaction_for(ws.actor, tid)
    return render(request, "web/transaction.html", _detail_context(ws, txn))


def _detail_context(ws: Workspace, txn: Transaction) -> dict[str, Any]:
    uid = ws.actor.user_id
    referrals = list(
        Referral.objects.filter(transaction_id=txn.pk)
        .select_related("from_unit", "to_unit", "to_user")
        .order_by("created_at", "id")
    )
    events = list(
        Event.objects.filter(transaction_id=txn.pk)
        .select_related("actor", "actor_unit")
        .order_by("created_at", "id")
    )
    attachments = list(
        Attachment.objects.filter(transaction_id=txn.pk).order_by("created_at", "id")
    )
    links, hidden_links = presenters.links_of(ws.actor, txn)
    allowed = presenters.allowed_steps(ws.actor, txn, referrals)
    open_referrals = [r for r in referrals if r.state in OPEN_REFERRAL_STATES]
    if txn.state == State.REFERRED and open_referrals:
        holders = [r.to_unit for r in open_referrals]
    else:
        holders = [txn.unit]
    referral_rows = []
    for ref in referrals:
        ref_steps = steps.referral_steps_for(ws, ref)
        referral_rows.append(
            {
                "ref": ref,
                "steps": ref_steps,
                "token": once.new_token(uid) if Step.ACKNOWLEDGE in ref_steps else "",
                "forms": {
                    s: steps.step_form(s, steps.On(ws, txn, ref), token=once.new_token(uid))
                    for s in ref_steps
                    if s != Step.ACKNOWLEDGE
                },
            }
        )
    return {
        "ws": ws,
        "txn": txn,
        "referrals": referral_rows,
        "events": events,
        "attachments": attachments,
        "links": links,
        # The stand-in for links the person may not see, once, in the page's language.
        "hidden_links": (
            (presenters.HIDDEN_EN if get_language() == "en" else presenters.HIDDEN_AR)
            if hidden_links
            else ""
        ),
        "steps": allowed,
        "step_forms": {
            s: steps.step_form(s, steps.On(ws, txn), token=once.new_token(uid)) for s in allowed
        },
        "holders": holders,
        "previewable": PREVIEWABLE,
        "exchange": exchange.exchange_context(ws, txn),
        "notify": notifications.section(ws.actor, txn),
    }
