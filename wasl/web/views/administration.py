"""إدارة الجهة — the entity administrator's pages: people, units, the working calendar, the
default due times and the entity's exchange keys.

Every page is under ``/administration/<entity code>/`` and answers only the entity's
administrator: another entity's administrator, a clerk, or a code that does not exist all
get the same "page not found" (`directory.administration.administered_entity` raises
NotFound; `staff_page` turns it into the 404). Each change is one call to a service that
checks it, does it and audits it in one transaction; a refusal comes back beside its field,
or as a message, in the person's language.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wasl.core.errors import NotFound, WaslError
from wasl.directory import administration as directory
from wasl.directory.models import Entity
from wasl.exchange import envelope
from wasl.exchange import members as exchange_members
from wasl.registry import holidays as calendar
from wasl.registry.services import DEFAULT_DUE_DAYS
from wasl.registry.vocabulary import Urgency

from .. import administration_forms as forms
from ..inbox import DUE_SOON_WORKING_DAYS
from ..labels import error_message
from ..workspace import Workspace, staff_page, with_csp

AdminView = Callable[..., HttpResponse]


def administrator_page(view: AdminView) -> AdminView:
    """A staff page of an entity the person administers (else the 404 of a missing page)."""

    @staff_page(needs_unit=False)
    @wraps(view)
    def wrapper(request: HttpRequest, ws: Workspace, code: str, **kwargs: Any) -> HttpResponse:
        entity = directory.administered_entity(ws.actor, code)
        return view(request, ws, entity, **kwargs)

    return wrapper


def _page(
    request: HttpRequest,
    ws: Workspace,
    entity: Entity,
    template: str,
    section: str,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    return render(
        request,
        f"web/administration/{template}",
        {"ws": ws, "entity": entity, "section": section, **context},
        status=status,
    )


def _refused(request: HttpRequest, error: WaslError) -> None:
    messages.error(request, error_message(error))


@staff_page(needs_unit=False)
def home(request: HttpRequest, ws: Workspace) -> HttpResponse:
    """/administration/: the first entity the person administers."""
    entities = directory.administered_entities(ws.actor)
    if not entities:
        raise NotFound()
    return redirect("web:admin_people", code=entities[0].code)


# ---------------------------------------------------------------------------------------------
# People


@administrator_page
def people(request: HttpRequest, ws: Workspace, entity: Entity) -> HttpResponse:
    """الموظفون — everyone with a place in the entity, active or not."""
    rows = directory.people(entity)
    return _page(
        request,
        ws,
        entity,
        "people.html",
        "people",
        rows=rows,
        units=directory.units(entity),
    )


def _one_time_link(request: HttpRequest, user: Any) -> str:
    """The address where the person sets their password: valid once, for
    PASSWORD_RESET_TIMEOUT, and only until the password changes."""
    path = reverse(
        "web:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return request.build_absolute_uri(path)


def _link_page(
    request: HttpRequest, ws: Workspace, entity: Entity, user: Any, invited: bool
) -> HttpResponse:
    response = _page(
        request,
        ws,
        entity,
        "link.html",
        "people",
        person=user,
        link=_one_time_link(request, user),
        invited=invited,
        valid_days=max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    )
    response["Cache-Control"] = "no-store"
    return response


@administrator_page
def invite(request: HttpRequest, ws: Workspace, entity: Entity) -> HttpResponse:
    """إضافة موظف — the account, its unit and roles; then the one-time link to hand over."""
    units = directory.units(entity)
    form = forms.InviteForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = directory.invite_person(
                ws.actor,
                entity,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                unit=form.chosen_unit(),
                roles=data["roles"],
            )
        except WaslError as error:
            form.add_service_error(error)
        else:
            return _link_page(request, ws, entity, user, invited=True)
    status = 400 if form.errors else 200
    return _page(request, ws, entity, "invite.html", "people", status=status, form=form)


@administrator_page
def person(request: HttpRequest, ws: Workspace, entity: Entity, username: str) -> HttpResponse:
    """A person: their place (unit and roles), their account (active, password)."""
    row = directory.person_of(entity, username)
    units = directory.units(entity)
    initial = {"unit": str(row.unit.public_id) if row.unit else "", "roles": row.roles}
    form = forms.PlaceForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            directory.change_memberships(
                ws.actor,
                entity,
                username,
                unit=form.chosen_unit(),
                roles=form.cleaned_data["roles"],
            )
        except WaslError as error:
            form.add_service_error(error, "roles")
        else:
            messages.success(request, _("The person's unit and roles are saved."))
            gave_up = (
                username == ws.actor.username and "entity_admin" not in form.cleaned_data["roles"]
            )
            if gave_up:  # no longer this entity's administrator: its pages are closed now
                return redirect("web:inbox")
            return redirect("web:admin_person", code=entity.code, username=username)
    status = 400 if form.errors else 200
    return _page(
        request,
        ws,
        entity,
        "person.html",
        "people",
        status=status,
        row=row,
        form=form,
        is_self=row.user.pk == ws.actor.user_id,
    )


ACCOUNT_ACTS: dict[str, tuple[Callable[..., Any], Any]] = {
    "deactivate": (directory.deactivate_person, gettext_lazy("The account is deactivated.")),
    "reactivate": (directory.reactivate_person, gettext_lazy("The account is active again.")),
}


@require_POST
@administrator_page
def account(
    request: HttpRequest, ws: Workspace, entity: Entity, username: str, act: str
) -> HttpResponse:
    """Deactivate, reactivate, or reset the password of a person's account."""
    if act == "reset":
        try:
            user = directory.reset_password(ws.actor, entity, username)
        except WaslError as error:
            if isinstance(error, NotFound):
                raise
            _refused(request, error)
        else:
            return _link_page(request, ws, entity, user, invited=False)
    elif act in ACCOUNT_ACTS:
        service, done = ACCOUNT_ACTS[act]
        try:
            service(ws.actor, entity, username)
        except WaslError as error:
            if isinstance(error, NotFound):
                raise
            _refused(request, error)
        else:
            messages.success(request, done)
    else:
        raise Http404
    return redirect("web:admin_person", code=entity.code, username=username)


# ---------------------------------------------------------------------------------------------
# Units


@administrator_page
def units(request: HttpRequest, ws: Workspace, entity: Entity) -> HttpResponse:
    """الإدارات — the tree, with the registry unit and the heads; a form to add one."""
    tree = directory.units(entity)
    form = forms.UnitForm(request.POST or None, units=tree)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = directory.add_unit(
                ws.actor,
                entity,
                code=data["code"],
                name_ar=data["name_ar"],
                name_en=data["name_en"],
                parent=form.chosen_parent(),
            )
        except WaslError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The unit is added."))
            return redirect("web:admin_unit", code=entity.code, uid=unit.public_id)
    status = 400 if form.errors else 200
    heads = directory.heads_of(entity)
    rows = [(u, heads.get(u.pk, [])) for u in tree]
    return _page(request, ws, entity, "units.html", "units", status=status, rows=rows, form=form)


@administrator_page
def unit(request: HttpRequest, ws: Workspace, entity: Entity, uid: str) -> HttpResponse:
    """A unit: its names, whether it is the registry unit, its heads."""
    the_unit = directory.unit_of(entity, uid)
    people = directory.entity_people_choices(entity)
    heads = directory.heads_of(entity).get(the_unit.pk, [])
    act = request.POST.get("act") if request.method == "POST" else None
    rename = forms.RenameForm(
        request.POST if act == "rename" else None,
        initial={"name_ar": the_unit.name_ar, "name_en": the_unit.name_en},
        prefix="rename",
    )
    heads_form = forms.HeadsForm(
        request.POST if act == "heads" else None,
        people=people,
        initial={"heads": heads},
        prefix="heads",
    )
    try:
        if act == "rename" and rename.is_valid():
            directory.rename_unit(
                ws.actor,
                entity,
                the_unit,
                name_ar=rename.cleaned_data["name_ar"],
                name_en=rename.cleaned_data["name_en"],
            )
            messages.success(request, _("The unit's name is saved."))
            return redirect("web:admin_unit", code=entity.code, uid=uid)
        if act == "heads" and heads_form.is_valid():
            directory.set_unit_heads(ws.actor, entity, the_unit, heads_form.cleaned_data["heads"])
            messages.success(request, _("The unit's heads are saved."))
            return redirect("web:admin_unit", code=entity.code, uid=uid)
        if act == "registry":
            directory.mark_registry_unit(ws.actor, entity, the_unit)
            messages.success(request, _("This unit now receives the entity's correspondence."))
            return redirect("web:admin_unit", code=entity.code, uid=uid)
    except WaslError as error:
        (rename if act == "rename" else heads_form).add_service_error(error)
    bad = bool(rename.errors or heads_form.errors)
    return _page(
        request,
        ws,
        entity,
        "unit.html",
        "units",
        status=400 if bad else 200,
        unit=the_unit,
        heads=heads,
        rename=rename,
        heads_form=heads_form,
    )


# ---------------------------------------------------------------------------------------------
# Working days and holidays


@administrator_page
def working_days(request: HttpRequest, ws: Workspace, entity: Entity) -> HttpResponse:
    """أيام العمل والعطل — the weekend and the public holidays, Hijri and Gregorian."""
    may_keep = calendar.may_keep_holidays(ws.actor, entity)
    form = forms.HolidayForm(request.POST or None) if may_keep else None
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            calendar.add_holiday(
                ws.actor, entity, day=data["day"], name_ar=data["name_ar"], name_en=data["name_en"]
            )
        except WaslError as error:
            form.add_service_error(error, "day")
        else:
            messages.success(request, _("The holiday is added."))
            return redirect("web:admin_calendar", code=entity.code)
    since = timezone.localdate() - timedelta(days=366)
    return _page(
        request,
        ws,
        entity,
        "calendar.html",
        "calendar",
        status=400 if form is not None and form.errors else 200,
        form=form,
        holidays=calendar.listed(since),
        may_keep=may_keep,
        today=timezone.localdate(),
    )


@require_POST
@administrator_page
def remove_holiday(request: HttpRequest, ws: Workspace, entity: Entity, day: str) -> HttpResponse:
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    try:
        calendar.remove_holiday(ws.actor, entity, when)
    except NotFound:
        raise
    except WaslError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The holiday is removed."))
    return redirect("web:admin_calendar", code=entity.code)


# ---------------------------------------------------------------------------------------------
# Default due times


@administrator_page
def due_times(request: HttpRequest, ws: Workspace, entity: Entity) -> HttpResponse:
    """مدد الإنجاز — the working days a referral gets when it does not say (read only: they
    are the deployment's, in `registry.services.DEFAULT_DUE_DAYS`)."""
    rows = [(Urgency(u).label, days) for u, days in DEFAULT_DUE_DAYS.items()]
    return _page(
        request,
        ws,
        entity,
        "due_times.html",
        "due_times",
        rows=rows,
        due_soon=DUE_SOON_WORKING_DAYS,
    )


# ---------------------------------------------------------------------------------------------
# Exchange keys


def fingerprint(public_b64: str) -> str:
    """SHA-256 of the raw public key, in groups of four hex digits (read aloud to check)."""
    raw = envelope.b64decode(public_b64, "public_key", 32)
    digest = hashlib.sha256(raw).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


@administrator_page
def keys(request: HttpRequest, ws: Workspace, entity: Entity) -> HttpResponse:
    """مفاتيح التبادل — the entity's signing keys (public parts only) and a rotation."""
    if request.method == "POST":
        try:
            new = exchange_members.rotate_key_for(ws.actor, entity)
        except WaslError as error:
            _refused(request, error)
        else:
            messages.success(
                request, _("A new key signs from now on: %(key)s") % {"key": new.key_id}
            )
        return redirect("web:admin_keys", code=entity.code)
    member, rows = exchange_members.keys_of(entity)
    now = timezone.now()
    shown = [
        {
            "key": k,
            "fingerprint": fingerprint(k.public_key),
            "state": "revoked"
            if k.revoked_at
            else ("current" if k.valid_until is None or k.valid_until > now else "retired"),
        }
        for k in rows
    ]
    return _page(
        request,
        ws,
        entity,
        "keys.html",
        "keys",
        member=member,
        rows=shown,
        hosted_here=bool(member and member.node.is_self and member.is_active),
    )


# ---------------------------------------------------------------------------------------------
# Setting a password through the one-time link


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The page the one-time link opens: the person chooses their password (the deployment's
    password rules apply), then signs in with it. A used or old link says so."""

    template_name = "web/administration/set_password.html"
    success_url = reverse_lazy("web:signin")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Your password is set. Sign in with it."))
        return super().form_valid(form)

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponse:
        return with_csp(super().dispatch(*args, **kwargs))


set_password = never_cache(SetPasswordView.as_view())
