"""The e-services pages of Tawasul: the catalogue, a service, its steps (one field per row,
errors next to the field, saved on the server at every step), the review, submission, the
confirmation with the reference, and the registration receipt. Views parse, call one service
or query, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wasl.core.errors import NotFound, WaslError
from wasl.inquiry.public import present_all
from wasl.portal.models import Person
from wasl.portal.views import person_page
from wasl.web.receipt import render_receipt, verification_code

from . import queries, services
from .answers import fields, read_step
from .models import Application
from .presenters import browser_rules, error_text, field_views, review, tr
from .rules import evaluate

ACTIONS = ("next", "back", "save")


@person_page
def catalogue(request: HttpRequest, person: Person) -> HttpResponse:
    """الخدمات الإلكترونية — the services the person may apply for, and their saved drafts."""
    return render(
        request,
        "eservices/catalogue.html",
        {
            "person": person,
            "services": [
                {
                    "code": s.code,
                    "name": tr(s.current.definition["name"]),
                    "about": tr(s.current.definition["description"]),
                }
                for s in queries.catalogue(person)
                if s.current is not None
            ],
            "drafts": [
                {"app": d, "name": tr(d.version.definition["name"])} for d in queries.drafts(person)
            ],
        },
    )


@person_page
def service(request: HttpRequest, person: Person, code: str) -> HttpResponse:
    """A service's card: what it is, who may apply, documents, fees, who receives it, SLA."""
    try:
        found = services.active_service(code)
    except NotFound as exc:
        raise Http404 from exc
    version = found.current
    assert version is not None
    definition = version.definition
    draft = queries.drafts(person).filter(service=found).first()
    return render(
        request,
        "eservices/service.html",
        {
            "person": person,
            "code": found.code,
            "name": tr(definition["name"]),
            "about": tr(definition["description"]),
            "audience": version.audience,
            "may_apply": services.may_apply(person, version),
            "documents": [tr(d) for d in definition.get("documents", [])],
            "fees": [
                {"label": tr(f["label"]), "amount": f["amount"]} for f in definition.get("fees", [])
            ],
            "sla": definition["sla_working_days"],
            "receiver": queries.receiver_names(definition),
            "steps": [tr(s["title"]) for s in definition["steps"]],
            "draft": draft,
        },
    )


@require_POST
@person_page
def start(request: HttpRequest, person: Person, code: str) -> HttpResponseBase:
    """Start (or continue) an application: to the step it was left at."""
    try:
        app = services.start_application(person, code)
    except NotFound as exc:
        raise Http404 from exc
    except WaslError as error:
        return render(
            request,
            "eservices/refused.html",
            {"person": person, "error": error_text(error), "code": code},
            status=error.status,
        )
    return _continue(app)


def _continue(app: Application) -> HttpResponseBase:
    steps = len(app.version.definition["steps"])
    if app.step >= steps:
        return redirect("portal:eservices:review", aid=app.public_id)
    return redirect("portal:eservices:step", aid=app.public_id, step=app.step + 1)


def _draft(person: Person, aid: Any) -> Application:
    try:
        return services.own_draft(person, aid)
    except NotFound as exc:
        raise Http404 from exc


def _step_page(
    request: HttpRequest,
    person: Person,
    app: Application,
    index: int,
    *,
    answers: dict[str, Any],
    posted: Any = None,
    errors: dict[str, WaslError] | None = None,
    status: int = 200,
) -> HttpResponse:
    definition = app.version.definition
    verdict = evaluate(definition, answers, person.kind)
    steps = definition["steps"]
    return render(
        request,
        "eservices/step.html",
        {
            "person": person,
            "app": app,
            "name": tr(definition["name"]),
            "title": tr(steps[index]["title"]),
            "number": index + 1,
            "total": len(steps),
            "last": index == len(steps) - 1,
            "fields": field_views(
                definition, index, answers, verdict, posted=posted, errors=errors
            ),
            # In the order of the fields, as the page shows them.
            "errors": [
                (f["key"], error_text((errors or {})[f["key"]]))
                for f in steps[index]["fields"]
                if f["key"] in (errors or {})
            ],
            "browser": {
                **browser_rules(definition),
                "answers": answers_for_browser(answers),
                "kind": person.kind,
            },
        },
        status=status,
    )


def answers_for_browser(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers of the other steps, as the rules read them (a file as its name)."""
    return {
        k: (v.get("filename", "") if isinstance(v, dict) and "filename" in v else v)
        for k, v in answers.items()
    }


@require_http_methods(["GET", "POST"])
@person_page
def step(request: HttpRequest, person: Person, aid: Any, step: int) -> HttpResponseBase:
    """One step of an application. "Next" needs the step complete; "Back" and "Save and
    finish later" keep what is there. Every answer is checked on the server, by its type and
    by the service's rules, and kept only when all of the step's are right."""
    app = _draft(person, aid)
    definition = app.version.definition
    index = step - 1
    if not 0 <= index < len(definition["steps"]):
        raise Http404
    if request.method != "POST":
        return _step_page(request, person, app, index, answers=app.answers)
    action = request.POST.get("action", "next")
    if action not in ACTIONS:
        action = "next"
    read = read_step(
        definition,
        index,
        request.POST,
        request.FILES,
        app.answers,
        person.kind,
        complete=action == "next",
    )
    if read.errors:
        return _step_page(
            request,
            person,
            app,
            index,
            answers=read.answers,
            posted=request.POST,
            errors=read.errors,
            status=400,
        )
    go_to = {"next": index + 1, "back": max(index - 1, 0), "save": index}[action]
    app = services.save_step(person, app.public_id, read, go_to=go_to)
    if action == "save":
        messages.success(
            request,
            _("Your application is saved. Finish it later from this page, on any device."),
        )
        return redirect("portal:eservices:catalogue")
    return _continue(app)


@require_http_methods(["GET", "POST"])
@person_page
def review_page(request: HttpRequest, person: Person, aid: Any) -> HttpResponseBase:
    """Everything answered, step by step, then "Submit". The server checks it all again."""
    app = _draft(person, aid)
    definition = app.version.definition
    context: dict[str, Any] = {
        "person": person,
        "app": app,
        "name": tr(definition["name"]),
        "fees": [
            {"label": tr(f["label"]), "amount": f["amount"]} for f in definition.get("fees", [])
        ],
        "last_step": len(definition["steps"]),
    }
    status = 200
    if request.method == "POST":
        try:
            done = services.submit_application(person, app.public_id)
        except services.Problems as problems:
            return _refused_at_submission(request, person, app, problems.errors)
        except NotFound as exc:
            raise Http404 from exc
        except WaslError as error:
            if error.field:
                return _refused_at_submission(request, person, app, {error.field: error})
            context["error"] = error_text(error)
            status = error.status
        else:
            return redirect("portal:eservices:submitted", aid=done.public_id)
    context["steps"] = review(definition, app.answers)
    return render(request, "eservices/review.html", context, status=status)


def _refused_at_submission(
    request: HttpRequest, person: Person, app: Application, errors: dict[str, WaslError]
) -> HttpResponse:
    """The server refused the submission for the answers of some fields: the first step
    that has one, each error beside its field and in the summary above, the saved answers
    in the inputs. The form posts to that step, as any step's form does."""
    step_of = {f["key"]: s for s, f in fields(app.version.definition)}
    index = min(step_of[key] for key in errors)
    here = {key: error for key, error in errors.items() if step_of[key] == index}
    return _step_page(request, person, app, index, answers=app.answers, errors=here, status=400)


@person_page
def submitted(request: HttpRequest, person: Person, aid: Any) -> HttpResponse:
    """تم تقديم الطلب — the reference to quote, who handles it, by when; the receipt."""
    app = queries.own_submitted(person, aid)
    if app is None or app.transaction is None:
        raise Http404
    public = present_all([app.transaction])[0]
    return render(
        request,
        "eservices/submitted.html",
        {
            "person": person,
            "app": app,
            "name": tr(app.version.definition["name"]),
            "public": public,
            "txn": app.transaction,
        },
    )


@person_page
def receipt(request: HttpRequest, person: Person, aid: Any) -> HttpResponseBase:
    """The registration receipt of a submitted application (PDF with its QR code), as the
    staff pages print it."""
    app = queries.own_submitted(person, aid)
    if app is None or app.transaction is None:
        raise Http404
    verify = reverse("web:verify_receipt", args=[verification_code(app.transaction)])
    pdf = render_receipt(app.transaction, request.build_absolute_uri(verify))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{app.transaction.reference}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
