"""The steps taken on a transaction or one of its referrals, as one table: for each step,
its form, the registry service it calls and what the person is told when it is done.

GET shows a step's form on a page of its own (for browsers without JavaScript, and to show
errors); POST calls the step's service, once (`web.once`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from wasl.core.errors import NotFound, WaslError
from wasl.registry import access, queries, services
from wasl.registry import attachments as attachment_files
from wasl.registry.models import Referral, Transaction
from wasl.registry.states import REFERRAL_STEPS, Step, allowed_referral_steps

from .. import forms, once
from ..labels import error_message
from ..workspace import Workspace, staff_page
from .common import done_before, entity_units, expired_form, not_allowed


@dataclass(frozen=True)
class On:
    """What a step acts on: the transaction, and for a referral's step the referral."""

    ws: Workspace
    txn: Transaction
    ref: Referral | None = None

    def other_units(self) -> list[Any]:
        """The units of the entity the step may send the transaction to."""
        return entity_units(self.txn, self.ref.to_unit_id if self.ref else self.txn.unit_id)

    def referral(self) -> Referral:
        assert self.ref is not None, "a referral's step"
        return self.ref


class FieldRefusal(Exception):
    """A step refused for a reason that belongs beside one of its fields."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class StepPage:
    """One step of the table: its form (made with the form's keyword arguments), the call of
    its service with what the form cleaned, and what the person is told when it is done."""

    form: Callable[..., forms.WaslForm]
    act: Callable[[On, dict[str, Any]], object]
    done: Promise
    # Where a refusal of the service that names no field of the form is shown.
    default_field: str | None = None
    # Checks to make before anything is written (files are stored and checked first).
    check: Callable[[dict[str, Any]], None] | None = None


# Forms.


def _plain(on: On, *args: Any, **kwargs: Any) -> forms.WaslForm:
    return forms.WaslForm(*args, **kwargs)


def _text(on: On, *args: Any, **kwargs: Any) -> forms.WaslForm:
    return forms.TextForm(*args, **kwargs)


def _document(on: On, *args: Any, **kwargs: Any) -> forms.WaslForm:
    return forms.DocumentForm(*args, **kwargs)


def _reason(on: On, *args: Any, **kwargs: Any) -> forms.WaslForm:
    return forms.ReasonForm(*args, **kwargs)


def _text_files(on: On, *args: Any, **kwargs: Any) -> forms.WaslForm:
    return forms.TextWithFilesForm(*args, **kwargs)


def _reason_files(on: On, *args: Any, **kwargs: Any) -> forms.WaslForm:
    return forms.ReasonWithFilesForm(*args, **kwargs)


def _attach_form(on: On, *args: Any, **kwargs: Any) -> forms.WaslForm:
    return forms.AttachForm(*args, **kwargs)


def _link_form(on: On, *args: Any, **kwargs: Any) -> forms.WaslForm:
    return forms.LinkForm(*args, **kwargs)


def _refer_form(on: On, *args: Any, **kwargs: Any) -> forms.WaslForm:
    return forms.ReferForm(*args, units=on.other_units(), **kwargs)


def _forward_form(on: On, *args: Any, **kwargs: Any) -> forms.WaslForm:
    return forms.ForwardForm(*args, units=on.other_units(), **kwargs)


# Calls of the registry's services.


def _refer(on: On, data: dict[str, Any]) -> object:
    chosen = set(data["to_units"])
    units = [u for u in on.other_units() if str(u.public_id) in chosen]
    return services.refer(
        on.ws.actor,
        on.txn.public_id,
        to_units=units,
        instruction=data["instruction"],
        due_in_days=data.get("due_in_days"),
    )


def _check_files(data: dict[str, Any]) -> None:
    for upload in data.get("attachments") or []:
        attachment_files.check(
            upload.chunks(), filename=upload.name, declared_type=upload.content_type or ""
        )


def _attach(on: On, data: dict[str, Any]) -> object:
    for upload in data["attachments"]:
        services.add_attachment(
            on.ws.actor,
            on.txn.public_id,
            chunks=upload.chunks(),
            filename=upload.name,
            declared_type=upload.content_type or "",
        )
    return None


def _files_then(
    act: Callable[[On, dict[str, Any]], object],
) -> Callable[[On, dict[str, Any]], object]:
    """The step's documents first, then the step, in one database transaction (the step's
    `once.submit`): the unit may attach while it holds the transaction or its referral, which
    an answer, a return or a forward ends."""

    def both(on: On, data: dict[str, Any]) -> object:
        if data.get("attachments"):
            _attach(on, data)
        return act(on, data)

    return both


def _link(on: On, data: dict[str, Any]) -> object:
    target = (
        queries.visible_transactions(on.ws.actor)
        .filter(reference=data["target"])
        .values_list("public_id", flat=True)
        .first()
    )
    if target is None:
        raise FieldRefusal("target", _("No transaction you can see has this number."))
    return services.link(on.ws.actor, on.txn.public_id, target, kind=data["kind"])


def _forward(on: On, data: dict[str, Any]) -> object:
    unit = next((u for u in on.other_units() if str(u.public_id) == data["to_unit"]), None)
    if unit is None:
        raise FieldRefusal("to_unit", _("Choose a unit."))
    return services.forward(
        on.ws.actor,
        on.referral().public_id,
        to_unit=unit,
        instruction=data["instruction"],
        due_in_days=data.get("due_in_days"),
    )


TRANSACTION_STEP_PAGES: dict[str, StepPage] = {
    Step.REFER: StepPage(
        _refer_form, _files_then(_refer), gettext_lazy("Referred."), check=_check_files
    ),
    Step.COMMENT: StepPage(
        _text,
        lambda on, data: services.comment(on.ws.actor, on.txn.public_id, text=data["text"]),
        gettext_lazy("Comment added."),
    ),
    Step.ATTACH: StepPage(
        _attach_form, _attach, gettext_lazy("Files attached."), check=_check_files
    ),
    Step.LINK: StepPage(_link_form, _link, gettext_lazy("Linked.")),
    Step.REQUEST_DOCUMENT: StepPage(
        _document,
        lambda on, data: services.request_document(
            on.ws.actor, on.txn.public_id, document=data["document"]
        ),
        gettext_lazy("The visitor is asked for the document."),
    ),
    Step.CLOSE: StepPage(
        _reason_files,
        _files_then(
            lambda on, data: services.close(on.ws.actor, on.txn.public_id, reason=data["reason"])
        ),
        gettext_lazy("Closed."),
        check=_check_files,
    ),
    Step.REOPEN: StepPage(
        _reason,
        lambda on, data: services.reopen(on.ws.actor, on.txn.public_id, reason=data["reason"]),
        gettext_lazy("Reopened."),
    ),
    Step.CANCEL: StepPage(
        _reason,
        lambda on, data: services.cancel(on.ws.actor, on.txn.public_id, reason=data["reason"]),
        gettext_lazy("Cancelled."),
    ),
}

REFERRAL_STEP_PAGES: dict[str, StepPage] = {
    Step.ACKNOWLEDGE: StepPage(
        _plain,
        lambda on, data: services.acknowledge(on.ws.actor, on.referral().public_id),
        gettext_lazy("Receipt acknowledged."),
    ),
    Step.ANSWER: StepPage(
        _text_files,
        _files_then(
            lambda on, data: services.answer(
                on.ws.actor, on.referral().public_id, text=data["text"]
            )
        ),
        gettext_lazy("Answer sent."),
        check=_check_files,
    ),
    Step.RETURN: StepPage(
        _reason_files,
        _files_then(
            lambda on, data: services.return_referral(
                on.ws.actor, on.referral().public_id, reason=data["reason"]
            )
        ),
        gettext_lazy("Returned."),
        check=_check_files,
    ),
    Step.FORWARD: StepPage(
        _forward_form,
        _files_then(_forward),
        gettext_lazy("Forwarded."),
        default_field="to_unit",
        check=_check_files,
    ),
}
assert set(REFERRAL_STEP_PAGES) == set(REFERRAL_STEPS), "a page for every referral step"


def _page_of(step: str, on: On) -> StepPage:
    return (REFERRAL_STEP_PAGES if on.ref else TRANSACTION_STEP_PAGES)[step]


def step_form(
    step: str, on: On, data: Any = None, files: Any = None, *, token: str = ""
) -> forms.WaslForm:
    """The form of a step; unbound ones carry a fresh one-time token."""
    prefix = f"id_{step}_{on.ref.public_id.hex[:8]}_%s" if on.ref else f"id_{step}_%s"
    return _page_of(step, on).form(on, data, files, auto_id=prefix, initial={"form_token": token})


def referral_steps_for(ws: Workspace, ref: Referral) -> list[str]:
    """The referral's steps this person may take now: its state allows them and the person
    works in the unit it is addressed to (the rule of `services._referral_for_step`)."""
    if not ws.actor.works_in(ref.to_unit_id):
        return []
    return allowed_referral_steps(ref.state)


@csrf_exempt  # checked below, once the rights to upload are: the check reads the body
@staff_page(needs_unit=False)
@require_http_methods(["GET", "POST"])
def transaction_step(request: HttpRequest, ws: Workspace, tid: Any, step: str) -> HttpResponse:
    """A step on the transaction (refer, comment, attach, link, close, reopen, cancel).

    Files are checked before they are stored: who may attach is asked before a byte of the
    body is read (Django reads the whole body, files and all, to find the CSRF token), and the
    upload handlers refuse a body over the limits while reading it.
    """
    if step not in TRANSACTION_STEP_PAGES:
        raise Http404
    on = On(ws, access.get_transaction_for(ws.actor, tid))
    if request.method == "POST" and step == Step.ATTACH:
        try:
            services.check_may_attach(ws.actor, on.txn.public_id)
        except NotFound:
            raise
        except WaslError as error:
            return not_allowed(request, ws, error_message(error))
    try:
        return csrf_protect(_take)(request, on, step)
    except RequestDataTooBig:
        error = attachment_files.too_large()
        return not_allowed(request, ws, error_message(error), status=error.status)


@csrf_exempt  # checked below, once the rights to upload are: the check reads the body
@staff_page(needs_unit=False)
@require_http_methods(["GET", "POST"])
def referral_step(request: HttpRequest, ws: Workspace, rid: Any, step: str) -> HttpResponse:
    """A step on a referral: acknowledge, answer, return, forward — the last three with the
    documents that go with them (checked before they are stored, as on `transaction_step`:
    the unit that may take the step is the unit that may attach, asked before a byte of the
    body is read)."""
    if step not in REFERRAL_STEP_PAGES:
        raise Http404
    ref = access.get_referral_for(ws.actor, rid)
    on = On(ws, ref.transaction, ref)
    if request.method == "POST" and _page_of(step, on).check is not None:
        try:
            services.check_may_attach(ws.actor, on.txn.public_id)
        except NotFound:
            raise
        except WaslError as error:
            return not_allowed(request, ws, error_message(error))
    try:
        return csrf_protect(_take)(request, on, step)
    except RequestDataTooBig:
        error = attachment_files.too_large()
        return not_allowed(request, ws, error_message(error), status=error.status)


def _take(request: HttpRequest, on: On, step: str) -> HttpResponse:
    uid = on.ws.actor.user_id
    if request.method != "POST":
        return _step_page(request, on, step, step_form(step, on, token=once.new_token(uid)))
    page = _page_of(step, on)
    token = str(request.POST.get("form_token", ""))
    if once.nonce_of(uid, token) is None:
        form = expired_form(request, on.ws, lambda data: step_form(step, on, data))
        return _step_page(request, on, step, form, status=400)
    form = step_form(step, on, request.POST, request.FILES)
    if not form.is_valid():
        return _step_page(request, on, step, form, status=400)
    data = form.cleaned_data

    def act() -> Transaction:
        page.act(on, data)
        return on.txn

    try:
        if page.check:
            page.check(data)
        submitted = once.submit(uid, token, act)
    except NotFound:
        raise  # the page guard's 404
    except FieldRefusal as refusal:
        form.add_error(refusal.field, refusal.message)
        return _step_page(request, on, step, form, status=400)
    except WaslError as error:
        form.add_service_error(error, default_field=page.default_field)
        return _step_page(request, on, step, form, status=error.status)
    if submitted.again:
        return done_before(request, on.txn.public_id)
    messages.success(request, page.done)
    return redirect("web:transaction", tid=on.txn.public_id)


def _step_page(
    request: HttpRequest, on: On, step: str, form: forms.WaslForm, *, status: int = 200
) -> HttpResponse:
    action = (
        reverse("web:referral_step", args=[on.ref.public_id, step])
        if on.ref
        else reverse("web:transaction_step", args=[on.txn.public_id, step])
    )
    return render(
        request,
        "web/step.html",
        {
            "ws": on.ws,
            "txn": on.txn,
            "step": step,
            "form": form,
            "referral": on.ref,
            "action": action,
        },
        status=status,
    )
