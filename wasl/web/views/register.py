"""Registering a transaction: one form, its files kept across a refusal, acting once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wasl.core.errors import WaslError
from wasl.registry import attachments as attachment_files
from wasl.registry import services
from wasl.registry.models import Transaction

from .. import forms, once
from ..workspace import Workspace, staff_page
from .common import active_entities, done_before, expired_form, not_allowed


@dataclass(frozen=True)
class KeptFile:
    """A file that passed the checks in an earlier POST of the register form: it is stored
    (by its content) and offered again, so that a form shown again with errors does not
    make the person choose their files again."""

    sha256: str
    filename: str
    content_type: str

    def token(self, user_id: int) -> str:
        return signing.dumps(
            [self.sha256, self.filename, self.content_type], salt=f"wasl.web.kept:{user_id}"
        )


def _kept_files(request: HttpRequest, user_id: int) -> list[KeptFile]:
    """The files kept from an earlier POST and still ticked: only tokens signed for this
    person, a day old at most, whose stored file is still there."""
    kept = []
    for value in request.POST.getlist("kept_files")[: forms.MAX_KEPT_FILES]:
        try:
            sha, name, kind = signing.loads(
                value, salt=f"wasl.web.kept:{user_id}", max_age=once.MAX_AGE_SECONDS
            )
        except (signing.BadSignature, ValueError, TypeError):
            continue
        if attachment_files.blob_path(str(sha)).exists():
            kept.append(KeptFile(str(sha), str(name), str(kind)))
    return kept


def _keep_uploads(form: forms.RegisterForm, kept: list[KeptFile]) -> list[KeptFile]:
    """Store the files of this POST that pass the checks and add them to those kept."""
    uploads = form.cleaned_data.get("attachments") if hasattr(form, "cleaned_data") else None
    for upload in uploads or form.files.getlist("attachments"):
        try:
            stored = attachment_files.keep(
                upload.chunks(), filename=upload.name, declared_type=upload.content_type or ""
            )
        except WaslError:
            continue  # refused: its error is beside the field
        kept.append(KeptFile(stored.sha256, stored.filename, stored.content_type))
    unique = {(k.sha256, k.filename): k for k in kept}
    return list(unique.values())


def _register_page(
    request: HttpRequest, ws: Workspace, form: forms.RegisterForm, kept: list[KeptFile], status: int
) -> HttpResponse:
    tokens = [(k, k.token(ws.actor.user_id)) for k in kept]
    return render(
        request, "web/register.html", {"ws": ws, "form": form, "kept": tokens}, status=status
    )


@staff_page()
def register(request: HttpRequest, ws: Workspace) -> HttpResponse:
    """تسجيل معاملة — one form; its one-time token makes a second click harmless."""
    if not ws.works_here or ws.unit is None:
        return not_allowed(
            request, ws, _("Only the clerks and head of a unit register transactions in it.")
        )
    uid = ws.actor.user_id
    entities = active_entities()
    if request.method != "POST":
        form = forms.RegisterForm(initial={"form_token": once.new_token(uid)}, entities=entities)
        return _register_page(request, ws, form, [], 200)

    kept = _kept_files(request, uid)
    token = str(request.POST.get("form_token", ""))
    if once.nonce_of(uid, token) is None:
        form = expired_form(
            request, ws, lambda data: forms.RegisterForm(data, request.FILES, entities=entities)
        )
        return _register_page(request, ws, form, _keep_uploads(form, kept), 400)
    form = forms.RegisterForm(request.POST, request.FILES, entities=entities)
    if not form.is_valid():
        return _register_page(request, ws, form, _keep_uploads(form, kept), 400)
    files = form.cleaned_data.get("attachments") or []
    try:
        # Check every file before anything is written (a refused file leaves nothing).
        for upload in files:
            attachment_files.check(
                upload.chunks(), filename=upload.name, declared_type=upload.content_type or ""
            )
        submitted = once.submit(uid, token, lambda: _register(ws, form.cleaned_data, kept))
    except WaslError as error:
        form.add_service_error(error)
        return _register_page(request, ws, form, _keep_uploads(form, kept), 400)
    if submitted.again:
        if submitted.result is not None:
            return done_before(request, submitted.result)
        return _register_page(request, ws, form, _keep_uploads(form, kept), 400)
    assert submitted.transaction is not None
    messages.success(
        request,
        _("Registered as %(reference)s.") % {"reference": submitted.transaction.reference},
    )
    return redirect("web:transaction", tid=submitted.transaction.public_id)


def _register(ws: Workspace, data: dict[str, Any], kept: list[KeptFile]) -> Transaction:
    """Register and attach (in the caller's database transaction: all of it, or nothing)."""
    assert ws.unit is not None
    party = services.Party(
        type=data["party_type"],
        name=data.get("party_name") or "",
        id_number=data.get("party_id_number") or "",
        phone=data.get("party_phone") or "",
        email=data.get("party_email") or "",
        cr=data.get("party_cr") or "",
        entity_code=data.get("party_entity") or "",
    )
    txn = services.register_transaction(
        ws.actor,
        unit=ws.unit,
        direction=data["direction"],
        kind=data["kind"],
        subject=data["subject"],
        body=data.get("body") or "",
        classification=data["classification"],
        urgency=data["urgency"],
        confidentiality=data["confidentiality"],
        due_date=data.get("due_date"),
        party=party,
        correspondent_code=data.get("correspondent") or "",
        external_reference=data.get("external_reference") or "",
        external_date=data.get("external_date"),
    )
    for item in kept:
        with attachment_files.blob_path(item.sha256).open("rb") as blob:
            services.add_attachment(
                ws.actor,
                txn.public_id,
                chunks=iter(lambda blob=blob: blob.read(1 << 16), b""),
                filename=item.filename,
                declared_type=item.content_type,
            )
    for upload in data.get("attachments") or []:
        services.add_attachment(
            ws.actor,
            txn.public_id,
            chunks=upload.chunks(),
            filename=upload.name,
            declared_type=upload.content_type or "",
        )
    return txn
