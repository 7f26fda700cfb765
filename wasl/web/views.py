"""The staff workspace's pages. Each view parses what was sent, calls one registry service
or query, and renders; every change goes through `wasl.registry.services`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core import signing
from django.db import IntegrityError
from django.db import transaction as db
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language

from wasl.core.errors import NotFound, WaslError
from wasl.directory.models import Entity, Unit
from wasl.registry import access, presenters, queries, services
from wasl.registry import attachments as attachment_files
from wasl.registry.models import Attachment, Event, Link, Referral, Transaction
from wasl.registry.states import OPEN_REFERRAL_STATES, REFERRAL_STEPS, State

from . import forms, labels, once
from . import inbox as inbox_queries
from .models import SubmittedForm
from .receipt import render_receipt
from .signin import SignInForm
from .workspace import Workspace, choose_unit, staff_page, units_of, with_csp

FORM_TOKENS_KEY = "wasl_form_tokens"
MAX_OPEN_FORM_TOKENS = 20
TRANSACTION_STEPS = ("refer", "comment", "attach", "link", "close", "reopen", "cancel")
PREVIEWABLE = {"application/pdf", "image/png", "image/jpeg", "image/webp"}


# ---------------------------------------------------------------------------------------------
# Signing in and out, the unit a person acts for


class SignInView(auth_views.LoginView):
    """تسجيل الدخول — Django's sign-in with the lock-out of `signin.SignInForm`."""

    template_name = "web/signin.html"
    form_class = SignInForm
    redirect_authenticated_user = True
    next_page = "web:home"

    def get_success_url(self) -> str:
        url = super().get_success_url()
        units = units_of(_actor_of(self.request))
        if len(units) > 1:
            return f"{reverse('web:choose_unit')}?{urlencode({'next': url})}"
        return url

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)
        return with_csp(response)  # type: ignore[arg-type]


def _actor_of(request: HttpRequest) -> Any:
    from wasl.directory.actors import actor_for

    return actor_for(request.user)


class SignOutView(auth_views.LogoutView):
    """تسجيل الخروج — a POST signs out; a GET (a typed or followed address) shows the
    button to do it rather than an empty "method not allowed"."""

    next_page = "web:home"
    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("web:home")
        return with_csp(render(request, "web/signout.html"))


# The language switch is remembered across visits: Django's cookie lasts only as long as
# the browser's session unless settings.LANGUAGE_COOKIE_AGE says otherwise.
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def switch_language(request: HttpRequest) -> HttpResponseBase:
    """Django's `set_language`, with a cookie that outlives the browser's session. (A GET
    changes nothing and goes back, as `set_language` does.)"""
    response = set_language(request)
    cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie is not None and settings.LANGUAGE_COOKIE_AGE is None:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            cookie.value,
            max_age=LANGUAGE_COOKIE_MAX_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def home(request: HttpRequest) -> HttpResponseBase:
    """`/`: the sign-in page for strangers, the inbox for signed-in staff."""
    if not request.user.is_authenticated:
        return SignInView.as_view()(request)
    return inbox(request)


@staff_page(needs_unit=False)
def unit_choice(request: HttpRequest, ws: Workspace) -> HttpResponse:
    """اختيار الإدارة — the unit a person with several memberships acts for."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    error = ""
    if request.method == "POST":
        chosen = next((u for u in ws.units if str(u.public_id) == request.POST.get("unit")), None)
        if chosen is not None:
            choose_unit(request, chosen)
            return HttpResponseRedirect(next_url or reverse("web:home"))
        error = _("Choose one of your units.")
    roles: dict[int, list[str]] = {}
    for unit_id, _entity_id, role in ws.actor.memberships:
        roles.setdefault(unit_id, []).append(labels.label(labels.ROLES, role))
    return render(
        request,
        "web/choose_unit.html",
        {
            "ws": ws,
            "choices": [(u, roles.get(u.pk, [])) for u in ws.units],
            "next": next_url,
            "error": error,
        },
        status=400 if error else 200,
    )


# ---------------------------------------------------------------------------------------------
# The inbox


def _entities() -> list[Entity]:
    return list(Entity.objects.filter(is_active=True).order_by("code"))


@staff_page()
def inbox(request: HttpRequest, ws: Workspace) -> HttpResponse:
    """الوارد — what waits for the unit, in boxes with counts, filtered and sorted."""
    entities = _entities()
    form = forms.InboxFilterForm(request.GET or None, entities=entities)
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    box = data.get("box") or "open"
    sort = data.get("sort") or "due"
    filters = inbox_queries.Filters(
        kind=data.get("kind") or "",
        urgency=data.get("urgency") or "",
        confidentiality=data.get("confidentiality") or "",
        entity=data.get("entity") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        addressed_to=ws.actor.user_id if data.get("mine") else None,
    )
    result = None
    if ws.unit is not None:
        result = inbox_queries.page(
            ws.actor,
            ws.unit.pk,
            box=box,
            sort=sort,
            filters=filters,
            cursor=data.get("after") or "",
        )
    query = request.GET.copy()
    query.pop("after", None)
    titles = [
        ("open", _("All open")),
        ("new", _("New")),
        ("in_progress", _("In progress")),
        ("due_soon", _("Due soon")),
        ("overdue", _("Overdue")),
        ("held", _("Back with the unit")),
    ]
    counts = result.counts if result else {}
    boxes = [(key, title, counts.get(key, 0)) for key, title in titles]
    return render(
        request,
        "web/inbox.html",
        {
            "ws": ws,
            "form": form,
            "page": result,
            "box": box,
            "boxes": boxes,
            "query_without_box": _query_without(query, "box"),
            "query": query.urlencode(),
            "filtered": any(
                [
                    filters.kind,
                    filters.urgency,
                    filters.confidentiality,
                    filters.entity,
                    filters.date_from,
                    filters.date_to,
                    filters.addressed_to,
                ]
            ),
            "is_first_page": not data.get("after"),
            "today": timezone.localdate(),
        },
    )


def _query_without(query: Any, key: str) -> str:
    copy = query.copy()
    copy.pop(key, None)
    return copy.urlencode()


# ---------------------------------------------------------------------------------------------
# Registering


def _issue_token(request: HttpRequest) -> str:
    token = secrets.token_urlsafe(24)
    issued = [t for t in request.session.get(FORM_TOKENS_KEY, []) if isinstance(t, str)]
    request.session[FORM_TOKENS_KEY] = [*issued, token][-MAX_OPEN_FORM_TOKENS:]
    return token


def _retire_token(request: HttpRequest, token: str) -> None:
    issued = request.session.get(FORM_TOKENS_KEY, [])
    request.session[FORM_TOKENS_KEY] = [t for t in issued if t != token]


def _not_allowed(request: HttpRequest, ws: Workspace, message: str) -> HttpResponse:
    return render(request, "web/not_allowed.html", {"ws": ws, "message": message}, status=403)


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
            stored = attachment_files.store(
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
    """تسجيل معاملة — one form; a one-time token makes a second click harmless."""
    if not ws.works_here or ws.unit is None:
        return _not_allowed(
            request, ws, _("Only the clerks and head of a unit register transactions in it.")
        )
    entities = _entities()
    if request.method != "POST":
        form = forms.RegisterForm(initial={"form_token": _issue_token(request)}, entities=entities)
        return _register_page(request, ws, form, [], 200)

    form = forms.RegisterForm(request.POST, request.FILES, entities=entities)
    kept = _kept_files(request, ws.actor.user_id)
    token = str(request.POST.get("form_token", ""))[:64]
    done = SubmittedForm.objects.filter(token=token, user=request.user).first() if token else None
    if done is not None and done.result:
        messages.info(request, _("This form was already submitted; here is what it registered."))
        return redirect("web:transaction", tid=done.result)
    if token not in request.session.get(FORM_TOKENS_KEY, []):
        # Expired or forged: show the form again with what was typed and a fresh token.
        data = request.POST.copy()
        data["form_token"] = _issue_token(request)
        form = forms.RegisterForm(data, request.FILES, entities=entities)
        form.is_valid()
        form.add_error(None, _("This form has expired. Check it and submit it again."))
        return _register_page(request, ws, form, _keep_uploads(form, kept), 400)
    if not form.is_valid():
        return _register_page(request, ws, form, _keep_uploads(form, kept), 400)
    txn = _register(request, ws, form, token, kept)
    if txn is None:
        done = SubmittedForm.objects.filter(token=token, user=request.user).first()
        if done is not None and done.result:
            return redirect("web:transaction", tid=done.result)
        return _register_page(request, ws, form, _keep_uploads(form, kept), 400)
    _retire_token(request, token)
    messages.success(
        request,
        _("Registered as %(reference)s.") % {"reference": txn.reference},
    )
    return redirect("web:transaction", tid=txn.public_id)


def _register(
    request: HttpRequest,
    ws: Workspace,
    form: forms.RegisterForm,
    token: str,
    kept: list[KeptFile],
) -> Transaction | None:
    """Register and attach in one database transaction: all of it is saved, or nothing."""
    data = form.cleaned_data
    files = data.get("attachments") or []
    assert ws.unit is not None
    try:
        # Check every file before anything is written (a refused file leaves nothing).
        for upload in files:
            attachment_files.store(
                upload.chunks(), filename=upload.name, declared_type=upload.content_type or ""
            )
        with db.atomic():
            try:
                with db.atomic():
                    claim = SubmittedForm.objects.create(token=token, user=request.user)
            except IntegrityError:
                return None  # the same form is being (or was) submitted by another click
            party = services.Party(
                type=data["party_type"],
                name=data.get("party_name") or "",
                id_number=data.get("party_id_number") or "",
                phone=data.get("party_phone") or "",
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
            for upload in files:
                services.add_attachment(
                    ws.actor,
                    txn.public_id,
                    chunks=upload.chunks(),
                    filename=upload.name,
                    declared_type=upload.content_type or "",
                )
            claim.result = txn.public_id
            claim.save(update_fields=["result"])
    except WaslError as error:
        form.add_service_error(error)
        return None
    return txn


# ---------------------------------------------------------------------------------------------
# A transaction


def _transaction_or_404(ws: Workspace, tid: Any) -> Transaction:
    try:
        return access.get_transaction_for(ws.actor, tid)
    except NotFound:
        raise Http404 from None


def _referral_or_404(ws: Workspace, rid: Any) -> Referral:
    try:
        return access.get_referral_for(ws.actor, rid)
    except NotFound:
        raise Http404 from None


def _entity_units(txn: Transaction, exclude: int) -> list[Unit]:
    return list(
        Unit.objects.filter(entity_id=txn.entity_id, is_active=True)
        .exclude(pk=exclude)
        .order_by("code")
    )


def referral_steps(ws: Workspace, ref: Referral) -> list[str]:
    """The referral's steps this person may take now: its state allows them and the person
    works in the unit it is addressed to (the rule of `services._referral_for_step`)."""
    if not ws.actor.works_in(ref.to_unit_id):
        return []
    return [step for step, (allowed, _) in REFERRAL_STEPS.items() if ref.state in allowed]


def step_form(
    step: str, txn: Transaction, data: Any = None, files: Any = None, *, token: str = ""
) -> forms.WaslForm:
    """The form of a step on the transaction; unbound ones carry a fresh one-time token."""
    kwargs: dict[str, Any] = {"auto_id": f"id_{step}_%s", "initial": {"form_token": token}}
    if step == "refer":
        return forms.ReferForm(data, units=_entity_units(txn, exclude=txn.unit_id), **kwargs)
    if step == "comment" or step == "answer":
        return forms.TextForm(data, **kwargs)
    if step == "attach":
        return forms.AttachForm(data, files, **kwargs)
    if step == "link":
        return forms.LinkForm(data, **kwargs)
    return forms.ReasonForm(data, **kwargs)


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
    visible = queries.visible_transactions(ws.actor)
    links = [
        (link.kind, link.target, "out")
        for link in Link.objects.filter(source_id=txn.pk, target__in=visible).select_related(
            "target"
        )
    ] + [
        (link.kind, link.source, "in")
        for link in Link.objects.filter(target_id=txn.pk, source__in=visible).select_related(
            "source"
        )
    ]
    steps = presenters.allowed_steps(ws.actor, txn, referrals)
    open_referrals = [r for r in referrals if r.state in OPEN_REFERRAL_STATES]
    if txn.state == State.REFERRED and open_referrals:
        holders = [r.to_unit for r in open_referrals]
    else:
        holders = [txn.unit]
    referral_rows = []
    for ref in referrals:
        ref_steps = referral_steps(ws, ref)
        referral_rows.append(
            {
                "ref": ref,
                "steps": ref_steps,
                "token": once.new_token(uid) if "acknowledge" in ref_steps else "",
                "forms": {
                    s: _referral_form(s, txn, ref, token=once.new_token(uid))
                    for s in ref_steps
                    if s in ("answer", "return", "forward")
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
        "steps": steps,
        "step_forms": {s: step_form(s, txn, token=once.new_token(uid)) for s in steps},
        "holders": holders,
        "previewable": PREVIEWABLE,
    }


def _referral_form(
    step: str, txn: Transaction, ref: Referral, data: Any = None, *, token: str = ""
) -> forms.WaslForm:
    kwargs: dict[str, Any] = {
        "auto_id": f"id_{step}_{ref.public_id.hex[:8]}_%s",
        "initial": {"form_token": token},
    }
    if step == "acknowledge":
        return forms.WaslForm(data, **kwargs)
    if step == "answer":
        return forms.TextForm(data, **kwargs)
    if step == "forward":
        return forms.ForwardForm(data, units=_entity_units(txn, exclude=ref.to_unit_id), **kwargs)
    return forms.ReasonForm(data, **kwargs)


@staff_page(needs_unit=False)
def transaction_page(request: HttpRequest, ws: Workspace, tid: Any) -> HttpResponse:
    """صفحة المعاملة — header, holders, referrals, timeline, attachments, links, steps."""
    txn = _transaction_or_404(ws, tid)
    return render(request, "web/transaction.html", _detail_context(ws, txn))


class _FieldRefusal(Exception):
    """A step refused for a reason that belongs beside one of its fields."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _expired(request: HttpRequest, ws: Workspace, make: Any) -> forms.WaslForm:
    """The form again, with what was typed, a fresh token and a word about why."""
    data = request.POST.copy()
    data["form_token"] = once.new_token(ws.actor.user_id)
    form: forms.WaslForm = make(data)
    form.is_valid()
    form.add_error(None, _("This form has expired. Check it and submit it again."))
    return form


def _already_done(request: HttpRequest, txn: Transaction) -> HttpResponse:
    messages.info(request, _("This form was already submitted; here is what it did."))
    return redirect("web:transaction", tid=txn.public_id)


@staff_page(needs_unit=False)
@require_http_methods(["GET", "POST"])
def transaction_step(request: HttpRequest, ws: Workspace, tid: Any, step: str) -> HttpResponse:
    """A step on the transaction. GET shows its form on a page of its own (for browsers
    without JavaScript, and to show errors); POST calls the step's service, once."""
    if step not in TRANSACTION_STEPS:
        raise Http404
    txn = _transaction_or_404(ws, tid)
    if request.method != "POST":
        form = step_form(step, txn, token=once.new_token(ws.actor.user_id))
        return _step_page(request, ws, txn, step, form)
    form = step_form(step, txn, request.POST, request.FILES)
    if not form.is_valid():
        return _step_page(request, ws, txn, step, form, status=400)
    nonce = once.nonce_of(ws.actor.user_id, form.cleaned_data.get("form_token") or "")
    if nonce is None:
        form = _expired(request, ws, lambda data: step_form(step, txn, data))
        return _step_page(request, ws, txn, step, form, status=400)
    data = form.cleaned_data
    try:
        if step == "attach":
            # Check every file before anything is written (a refused file leaves nothing).
            for upload in data["attachments"]:
                attachment_files.store(
                    upload.chunks(), filename=upload.name, declared_type=upload.content_type or ""
                )
        with db.atomic():
            if not once.claim(ws.actor.user_id, nonce, txn.public_id):
                return _already_done(request, txn)
            done = _take_transaction_step(ws, txn, step, data)
    except NotFound:
        raise Http404 from None
    except _FieldRefusal as refusal:
        form.add_error(refusal.field, refusal.message)
        return _step_page(request, ws, txn, step, form, status=400)
    except WaslError as error:
        form.add_service_error(error)
        return _step_page(request, ws, txn, step, form, status=error.status)
    messages.success(request, done)
    return redirect("web:transaction", tid=txn.public_id)


def _take_transaction_step(ws: Workspace, txn: Transaction, step: str, data: Any) -> str:
    """Call the step's service; returns what to tell the person."""
    if step == "refer":
        chosen = set(data["to_units"])
        units = [u for u in _entity_units(txn, exclude=txn.unit_id) if str(u.public_id) in chosen]
        services.refer(
            ws.actor,
            txn.public_id,
            to_units=units,
            instruction=data["instruction"],
            due_in_days=data.get("due_in_days"),
        )
        return _("Referred.")
    if step == "comment":
        services.comment(ws.actor, txn.public_id, text=data["text"])
        return _("Comment added.")
    if step == "attach":
        for upload in data["attachments"]:
            services.add_attachment(
                ws.actor,
                txn.public_id,
                chunks=upload.chunks(),
                filename=upload.name,
                declared_type=upload.content_type or "",
            )
        return _("Files attached.")
    if step == "link":
        target = (
            queries.visible_transactions(ws.actor)
            .filter(reference=data["target"])
            .values_list("public_id", flat=True)
            .first()
        )
        if target is None:
            raise _FieldRefusal("target", _("No transaction you can see has this number."))
        services.link(ws.actor, txn.public_id, target, kind=data["kind"])
        return _("Linked.")
    if step == "close":
        services.close(ws.actor, txn.public_id, reason=data["reason"])
        return _("Closed.")
    if step == "reopen":
        services.reopen(ws.actor, txn.public_id, reason=data["reason"])
        return _("Reopened.")
    services.cancel(ws.actor, txn.public_id, reason=data["reason"])
    return _("Cancelled.")


def _step_page(
    request: HttpRequest,
    ws: Workspace,
    txn: Transaction,
    step: str,
    form: forms.WaslForm,
    *,
    referral: Referral | None = None,
    status: int = 200,
) -> HttpResponse:
    action = (
        reverse("web:referral_step", args=[referral.public_id, step])
        if referral
        else reverse("web:transaction_step", args=[txn.public_id, step])
    )
    return render(
        request,
        "web/step.html",
        {
            "ws": ws,
            "txn": txn,
            "step": step,
            "form": form,
            "referral": referral,
            "action": action,
        },
        status=status,
    )


@staff_page(needs_unit=False)
@require_http_methods(["GET", "POST"])
def referral_step(request: HttpRequest, ws: Workspace, rid: Any, step: str) -> HttpResponse:
    """A step on a referral: acknowledge, answer, return, forward; once."""
    if step not in REFERRAL_STEPS:
        raise Http404
    ref = _referral_or_404(ws, rid)
    txn = ref.transaction
    if request.method != "POST":
        form = _referral_form(step, txn, ref, token=once.new_token(ws.actor.user_id))
        return _step_page(request, ws, txn, step, form, referral=ref)
    form = _referral_form(step, txn, ref, request.POST)
    if not form.is_valid():
        return _step_page(request, ws, txn, step, form, referral=ref, status=400)
    nonce = once.nonce_of(ws.actor.user_id, form.cleaned_data.get("form_token") or "")
    if nonce is None:
        form = _expired(request, ws, lambda data: _referral_form(step, txn, ref, data))
        return _step_page(request, ws, txn, step, form, referral=ref, status=400)
    try:
        with db.atomic():
            if not once.claim(ws.actor.user_id, nonce, txn.public_id):
                return _already_done(request, txn)
            done = _take_referral_step(ws, txn, ref, step, form.cleaned_data)
    except NotFound:
        raise Http404 from None
    except _FieldRefusal as refusal:
        form.add_error(refusal.field, refusal.message)
        return _step_page(request, ws, txn, step, form, referral=ref, status=400)
    except WaslError as error:
        form.add_service_error(error, default_field="to_unit" if step == "forward" else None)
        return _step_page(request, ws, txn, step, form, referral=ref, status=error.status)
    messages.success(request, done)
    return redirect("web:transaction", tid=txn.public_id)


def _take_referral_step(
    ws: Workspace, txn: Transaction, ref: Referral, step: str, cleaned: Any
) -> str:
    if step == "acknowledge":
        services.acknowledge(ws.actor, ref.public_id)
        return _("Receipt acknowledged.")
    if step == "answer":
        services.answer(ws.actor, ref.public_id, text=cleaned["text"])
        return _("Answer sent.")
    if step == "return":
        services.return_referral(ws.actor, ref.public_id, reason=cleaned["reason"])
        return _("Returned.")
    unit = next(
        (
            u
            for u in _entity_units(txn, exclude=ref.to_unit_id)
            if str(u.public_id) == cleaned["to_unit"]
        ),
        None,
    )
    if unit is None:
        raise _FieldRefusal("to_unit", _("Choose a unit."))
    services.forward(
        ws.actor,
        ref.public_id,
        to_unit=unit,
        instruction=cleaned["instruction"],
        due_in_days=cleaned.get("due_in_days"),
    )
    return _("Forwarded.")


# ---------------------------------------------------------------------------------------------
# Files: attachments and the receipt


def _attachment_or_404(ws: Workspace, aid: Any) -> Attachment:
    try:
        att = access.get_attachment_for(ws.actor, aid)
    except NotFound:
        raise Http404 from None
    if not attachment_files.blob_path(att.sha256).exists():
        raise Http404
    return att


@staff_page(needs_unit=False)
def attachment_preview(request: HttpRequest, ws: Workspace, aid: Any) -> HttpResponse:
    """An image or PDF shown inline in the transaction page; other types are downloaded."""
    att = _attachment_or_404(ws, aid)
    inline = att.content_type in PREVIEWABLE
    response = FileResponse(
        attachment_files.blob_path(att.sha256).open("rb"),
        as_attachment=not inline,
        filename=att.filename,
        content_type=att.content_type,
    )
    return _strict_file_headers(response, pdf=att.content_type == "application/pdf")


@staff_page(needs_unit=False)
def attachment_download(request: HttpRequest, ws: Workspace, aid: Any) -> HttpResponse:
    att = _attachment_or_404(ws, aid)
    response = FileResponse(
        attachment_files.blob_path(att.sha256).open("rb"),
        as_attachment=True,
        filename=att.filename,
        content_type=att.content_type,
    )
    return _strict_file_headers(response, pdf=False)


def _strict_file_headers(response: HttpResponse, *, pdf: bool) -> HttpResponse:
    """A file may be framed by our own pages only, runs no script and loads nothing.

    Chromium's PDF viewer does not run in a sandboxed document, so PDFs get every other
    restriction but not `sandbox`.
    """
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private, no-store"
    policy = "default-src 'none'; img-src 'self'; frame-ancestors 'self'"
    response["Content-Security-Policy"] = policy if pdf else policy + "; sandbox"
    return response


@staff_page(needs_unit=False)
def receipt(request: HttpRequest, ws: Workspace, tid: Any) -> HttpResponse:
    """إيصال التسجيل — the registration receipt / cover sheet as a PDF."""
    txn = _transaction_or_404(ws, tid)
    pdf = render_receipt(txn)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{txn.reference}.pdf"'
    return _strict_file_headers(response, pdf=True)
