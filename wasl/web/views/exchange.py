"""The exchange in the workspace (وصل بين الجهات): sending a letter to other entities,
following each delivery (being sent, delivered, their reference, answered), trying again or
withdrawing, the receipt, and the proof bundle of a message.

Each page calls the exchange's own services and reads (`wasl.exchange.services`,
`presenters`, `proofs`), as its API does; what a person may see is the registry's one rule.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from wasl.core.errors import NotFound, WaslError
from wasl.exchange import envelope, keys, presenters, proofs, services
from wasl.exchange.models import Member
from wasl.exchange.states import DeliveryState
from wasl.registry import access
from wasl.registry import attachments as attachment_files
from wasl.registry.models import Attachment, Direction, Transaction

from .. import forms, letters, once
from ..labels import error_message, is_arabic, name_of
from ..workspace import Workspace, staff_page
from .common import done_before, expired_form, not_allowed

# The steps on one delivery: the service each calls and what the person is told.
DELIVERY_STEPS = {
    "retry": (services.retry_delivery, gettext_lazy("Sending again now.")),
    "withdraw": (services.withdraw_delivery, gettext_lazy("Withdrawn: no further attempt.")),
}
# States from which a delivery may be tried again or withdrawn (`services`).
FOLLOWED_UP = frozenset({DeliveryState.PENDING, DeliveryState.FAILED})


def receivers_for(ws: Workspace) -> list[tuple[str, str]]:
    """The members a letter may be addressed to: every active member but the person's own
    entity, by name in the page's language."""
    assert ws.unit is not None
    rows = (
        Member.objects.filter(is_active=True)
        .exclude(entity_id=ws.unit.entity_id)
        .select_related("entity")
        .order_by("code")
    )
    return [(m.code, f"{name_of(m.entity)} ({m.code})") for m in rows]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: dict[str, str] | None) -> datetime | None:
    return datetime.fromisoformat(value["at"]) if value else None


def exchange_context(ws: Workspace, txn: Transaction) -> dict[str, Any]:
    """What the transaction page shows of the exchange: each delivery of a letter sent, with
    the steps the person may take on it, or where a letter that came in was sent from."""
    view = presenters.exchange_view(ws.actor, txn)
    sending_unit = ws.actor.works_in(txn.unit_id)
    deliveries = []
    for item in view["deliveries"]:
        receiver = item["receiver"]
        deliveries.append(
            {
                **item,
                "receiver_name": receiver["name_ar"]
                if is_arabic() or not receiver["name_en"]
                else receiver["name_en"],
                "sent": _moment(item["sent_at"]),
                "delivered": _moment(item["delivered_at"]),
                "their_state_when": _moment(item["their_state_at"]),
                "answers": [
                    {**a, "received": _moment(a["received_at"])} for a in item["answered_by"]
                ],
                "line": item["line_ar"] if is_arabic() else item["line_en"],
                # One token per form: trying again does not spend the withdrawal's.
                "tokens": {step: once.new_token(ws.actor.user_id) for step in DELIVERY_STEPS}
                if sending_unit and item["state"] in FOLLOWED_UP
                else {},
            }
        )
    origin = view["origin"]
    if origin is not None:
        sender = origin["sender"]
        origin = {
            **origin,
            "sender_name": sender["name_ar"]
            if is_arabic() or not sender["name_en"]
            else sender["name_en"],
            "received": _moment(origin["received_at"]),
            "their_day": _day(origin["their_date"]),
            "reply_due_day": _day(origin["reply_due"]),
        }
    return {"deliveries": deliveries, "origin": origin}


# ---------------------------------------------------------------------------------------------
# Sending


def _source(ws: Workspace, request: HttpRequest) -> Transaction | None:
    """The transaction a letter is sent from (`?from=`): its subject and files are offered,
    and a letter that came through Wasl is answered."""
    value = request.POST.get("from") or request.GET.get("from") or ""
    if not value:
        return None
    return access.get_transaction_for(ws.actor, value)


def _send_page(
    request: HttpRequest,
    ws: Workspace,
    form: forms.LetterForm,
    source: Transaction | None,
    files: list[Attachment],
    status: int,
    about: Transaction | None = None,
) -> HttpResponse:
    return render(
        request,
        "web/exchange_send.html",
        {
            "ws": ws,
            "form": form,
            "source": source,
            "source_files": files,
            "about": about,
            "chosen_files": set(request.POST.getlist("include")),
            "is_member": Member.objects.filter(
                entity_id=ws.unit.entity_id if ws.unit else None, is_active=True
            ).exists(),
        },
        status=status,
    )


@staff_page()
@require_http_methods(["GET", "POST"])
def send_letter(request: HttpRequest, ws: Workspace) -> HttpResponse:
    """خطاب عبر وصل — write a letter to other entities, or answer one that came through
    Wasl; registered as an outgoing transaction and delivered by the worker. Acts once."""
    if not ws.works_here or ws.unit is None:
        return not_allowed(
            request, ws, _("Only the clerks and head of a unit send letters from it.")
        )
    uid = ws.actor.user_id
    source = _source(ws, request)
    origin = presenters.origin(ws.actor, source) if source is not None else None
    files = list(Attachment.objects.filter(transaction=source).order_by("id")) if source else []
    receivers = receivers_for(ws)
    # A letter written from a transaction (not answering one that came through Wasl) is about
    # it: linked, and the transaction told of each receipt.
    about = (
        source
        if source is not None and origin is None and source.direction != Direction.OUTGOING
        else None
    )

    def make(data: Any = None, uploads: Any = None, **kwargs: Any) -> forms.LetterForm:
        return forms.LetterForm(data, uploads, receivers=receivers, **kwargs)

    if request.method != "POST":
        initial: dict[str, Any] = {"form_token": once.new_token(uid)}
        if source is not None:
            initial["subject"] = source.subject
        if origin is not None:
            initial["to"] = origin["sender"]["code"]
            initial["answers"] = source.public_id if source else None
            initial["subject"] = _("Answer: %(subject)s") % {"subject": source.subject}
        return _send_page(request, ws, make(initial=initial), source, files, 200, about)

    token = str(request.POST.get("form_token", ""))
    if once.nonce_of(uid, token) is None:
        form = expired_form(request, ws, lambda data: make(data, request.FILES))
        return _send_page(request, ws, form, source, files, 400, about)
    form = make(request.POST, request.FILES)
    if not form.is_valid():
        return _send_page(request, ws, form, source, files, 400, about)
    data = form.cleaned_data
    included = set(request.POST.getlist("include"))
    existing = [a.public_id for a in files if str(a.public_id) in included]
    uploads = data.get("attachments") or []

    def act() -> Transaction:
        assert ws.unit is not None
        sent = services.send_letter(
            ws.actor,
            unit=ws.unit,
            to=[data["to"]],
            cc=data.get("cc") or [],
            subject=data["subject"],
            body=data.get("body") or "",
            kind=data["kind"],
            classification=data["classification"],
            urgency=data["urgency"],
            restriction=services.Restriction(
                data["confidentiality"], data.get("legal_basis") or ""
            ),
            reply_due=data.get("reply_due"),
            answers=data.get("answers"),
            concerning=about.public_id if about is not None else None,
            attachments=existing,
            files=[
                services.NewFile(u.name or "", u.chunks(), u.content_type or "") for u in uploads
            ],
        )
        return sent.transaction

    try:
        # Every file is checked before anything is stored or written.
        for upload in uploads:
            attachment_files.check(
                upload.chunks(), filename=upload.name, declared_type=upload.content_type or ""
            )
        submitted = once.submit(uid, token, act)
    except NotFound:
        raise
    except WaslError as error:
        form.add_service_error(error)
        return _send_page(request, ws, form, source, files, error.status, about)
    if submitted.again:
        if submitted.result is not None:
            return done_before(request, submitted.result)
        return _send_page(request, ws, form, source, files, 400, about)
    assert submitted.transaction is not None
    messages.success(
        request,
        _("Registered as %(reference)s and being sent through Wasl.")
        % {"reference": submitted.transaction.reference},
    )
    return redirect("web:transaction", tid=submitted.transaction.public_id)


# ---------------------------------------------------------------------------------------------
# Following a delivery


@staff_page()
def letters_sent(request: HttpRequest, ws: Workspace) -> HttpResponse:
    """الصادر عبر وصل — the unit's letters through Wasl, one row per delivery, by state."""
    state = request.GET.get("state", "")
    if state not in DeliveryState.values:
        state = ""
    result = None
    if ws.unit is not None:
        result = letters.page(
            ws.actor, ws.unit.pk, state=state, cursor=request.GET.get("after", "")
        )
    tabs = [("", _("All"))] + [(s.value, s.label) for s in DeliveryState]
    counts = result.counts if result else {}
    return render(
        request,
        "web/exchange_letters.html",
        {
            "ws": ws,
            "page": result,
            "state": state,
            "tabs": [(key, title, counts.get(key or "all", 0)) for key, title in tabs],
            "is_first_page": not request.GET.get("after"),
        },
    )


@staff_page(needs_unit=False)
def delivery_step(request: HttpRequest, ws: Workspace, mid: uuid.UUID, step: str) -> HttpResponse:
    """Try again now, or withdraw, one delivery of a letter sent (once per form). A message
    the person may not see is a 404 whatever the method, as on every page."""
    if step not in DELIVERY_STEPS:
        raise Http404
    txn = proofs.transaction_of(_message_for(ws, mid))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    act, done = DELIVERY_STEPS[step]
    token = str(request.POST.get("form_token", ""))
    try:
        submitted = once.submit(ws.actor.user_id, token, lambda: act(ws.actor, mid).transaction)
    except NotFound:
        raise
    except WaslError as error:
        return not_allowed(request, ws, error_message(error), status=error.status)
    if submitted.expired:
        messages.error(request, _("This form has expired. Check it and submit it again."))
        assert txn is not None
        return redirect("web:transaction", tid=txn.public_id)
    if submitted.again:
        return done_before(request, submitted.result)
    messages.success(request, done)
    assert submitted.transaction is not None
    return redirect("web:transaction", tid=submitted.transaction.public_id)


def _message_for(ws: Workspace, mid: uuid.UUID) -> Any:
    """A message of the exchange whose transactions the person may all see; 404 otherwise,
    the same for one that is not here (as the API's proof)."""
    return proofs.readable_by(ws.actor, str(mid))


@staff_page(needs_unit=False)
def receipt(request: HttpRequest, ws: Workspace, mid: uuid.UUID) -> HttpResponse:
    """إشعار الاستلام — the signed receipt of a message: who received it, when, under which
    number, and the signature that proves it."""
    row = _message_for(ws, mid)
    if not row.receipt:
        raise Http404
    signed = json.loads(row.receipt)
    body = signed.get("receipt") or signed.get("envelope") or {}
    txn = proofs.transaction_of(row)
    issued = None
    if body.get("at"):
        try:
            issued = envelope.parse_timestamp(body["at"], "at")
        except envelope.EnvelopeError:
            issued = None
    return render(
        request,
        "web/exchange_receipt.html",
        {
            "ws": ws,
            "txn": txn,
            "message_id": str(row.message_id),
            "body": body,
            "issued": issued,
            "signed": signed,
            "verified": _verifies(signed, body),
            "names": {
                m.code: name_of(m.entity)
                for m in Member.objects.filter(
                    code__in=[str(body.get("sender", "")), str(body.get("receiver", ""))]
                ).select_related("entity")
            },
            "registered_on": _day(body.get("registered_on") or None),
            "pretty": json.dumps(signed, ensure_ascii=False, indent=2),
        },
    )


def _verifies(signed: dict[str, Any], body: dict[str, Any]) -> bool:
    """Whether the receipt's signature checks against the public key it names."""
    signature = signed.get("signature") or {}
    key = keys.public_key(str(signature.get("key_id", "")))
    if key is None:
        return False
    try:
        raw = envelope.b64decode(signature.get("value", ""), "signature", 64)
    except envelope.EnvelopeError:
        return False
    return envelope.verify(key.public_raw, "receipt", body, raw)


@staff_page(needs_unit=False)
def proof(request: HttpRequest, ws: Workspace, mid: uuid.UUID) -> HttpResponse:
    """The proof bundle of a message (envelope, signature, receipt, public keys, log
    entries), as a JSON file to keep or hand to another party."""
    row = _message_for(ws, mid)
    data = json.dumps(proofs.bundle(row), ensure_ascii=False, indent=2)
    response = HttpResponse(data.encode("utf-8"), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="wasl-proof-{row.message_id}.json"'
    response["Cache-Control"] = "no-store"
    return response
