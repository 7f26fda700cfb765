"""The notifications' pages and endpoints: the provider's receipts, the visitor's choices
(posted from the transaction page), and the demo page of what the fake provider received."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from wasl.core.errors import InvalidInput, NotFound, WaslError
from wasl.directory.actors import actor_for
from wasl.directory.administration import administered_entity

from . import conf, queries, receipts, services, sms
from .outbox import STEP_PLACEHOLDERS
from .states import Channel, Language

logger = logging.getLogger("wasl.notifications")
View = Callable[..., HttpResponse]
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; "
    "style-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def _error(error: WaslError) -> JsonResponse:
    return JsonResponse(
        error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False}
    )


@csrf_exempt
def sms_receipt(request: HttpRequest) -> HttpResponse:
    """POST /notifications/receipts/sms — a delivery receipt from the SMS provider, signed
    (see `receipts`). Answers 200 {"result": …} also for a repeat; 400, 403, 405, 413 or 503
    with a bilingual error; never 500."""
    if request.method != "POST":
        return _error(
            WaslError("الطريقة غير مسموحة.", "Method not allowed.", code="method", status=405)
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if not 0 <= length <= receipts.MAX_BODY:
        return _error(
            WaslError(
                "إشعار التسليم أكبر من المسموح.",
                "The receipt is too large.",
                code="too_large",
                status=413,
            )
        )
    try:
        body = request.read(receipts.MAX_BODY + 1)[: receipts.MAX_BODY]
        receipts.verify(body, request.headers.get("X-Wasl-Signature", ""))
        result = receipts.apply(receipts.parse(body))
    except WaslError as error:
        return _error(error)
    except Exception:  # nothing the provider sends may make a 500; the provider retries
        logger.exception("notifications: a receipt could not be applied")
        return _error(
            WaslError(
                "تعذّر حفظ إشعار التسليم؛ أعد المحاولة.",
                "The receipt could not be kept; try again.",
                code="retry",
                status=503,
            )
        )
    return JsonResponse({"result": result})


def signed_in(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            try:
                login = reverse("web:signin")
            except NoReverseMatch:
                login = reverse("admin:login")
            return redirect_to_login(request.get_full_path(), login)
        response = view(request, *args, **kwargs)
        response.setdefault("Content-Security-Policy", PAGE_CSP)
        return response

    return wrapper


def _flag(value: str | None) -> bool:
    return value in {"1", "on", "true"}


@signed_in
@require_POST
def contact(request: HttpRequest, tid: Any) -> HttpResponse:
    """POST /notifications/t/<id>/contact — the visitor's choices, from the transaction page."""
    back = reverse("web:transaction", args=[tid]) + "#notifications-title"
    try:
        services.set_contact(
            actor_for(request.user),
            tid,
            phone=request.POST.get("phone", "")[:40],
            language=request.POST.get("language", ""),
            sms=_flag(request.POST.get("sms")),
            optional=_flag(request.POST.get("optional")),
            email=request.POST["email"][:254] if "email" in request.POST else None,
        )
    except NotFound:
        raise Http404 from None
    except WaslError as error:
        messages.error(request, error.message_en if get_language() == "en" else error.message_ar)
        return redirect(back)
    messages.success(
        request,
        "Saved: the visitor's choices."
        if get_language() == "en"
        else "حُفظت تفضيلات صاحب المعاملة.",
    )
    return redirect(back)


def demo_enabled() -> bool:
    return bool(settings.DEBUG or conf.get("WASL_DEMO"))


def fake_provider_messages() -> tuple[list[dict[str, Any]] | None, str]:
    """What the fake provider received (None when it cannot be reached), and its address."""
    url = conf.get("WASL_SMS_URL")
    if urlsplit(url).scheme not in {"http", "https"}:
        return None, url
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/messages", timeout=3) as answer:  # noqa: S310
            data = json.loads(answer.read(4 * 1024 * 1024))
    except (OSError, ValueError):
        return None, url
    if not isinstance(data, list):
        return None, url
    received = [m for m in data if isinstance(m, dict)]
    for message in received:
        try:
            message["received"] = datetime.fromisoformat(str(message.get("received_at")))
        except ValueError:
            message["received"] = None
    return received, url


@signed_in
def demo_sms(request: HttpRequest) -> HttpResponse:
    """GET /notifications/demo/sms — the messages the fake SMS provider received, as a
    developer's mail catcher shows mail. Only with DEBUG or WASL_DEMO=1 (404 otherwise)."""
    if not demo_enabled():
        raise Http404
    received, url = fake_provider_messages()
    return render(
        request,
        "notifications/demo_sms.html",
        {"received": received, "provider_url": url, "provider": conf.get("WASL_SMS_PROVIDER")},
    )


# ---------------------------------------------------------------------------------------------
# The entity administrator's templates: /notifications/administration/<entity>/templates/


def _administered(request: HttpRequest, code: str) -> Any:
    try:
        return administered_entity(actor_for(request.user), code)
    except NotFound:
        raise Http404 from None  # another entity's, or not an administrator: as if missing


def _message(error: WaslError) -> str:
    return error.message_en if get_language() == "en" else error.message_ar


@signed_in
def admin_templates(request: HttpRequest, code: str) -> HttpResponse:
    """GET — the texts the entity sends, per step and channel, in Arabic and English."""
    entity = _administered(request, code)
    return render(
        request,
        "notifications/admin_templates.html",
        {
            "entity": entity,
            "section": "notifications",
            "rows": queries.entity_templates(entity),
        },
    )


@csrf_exempt  # checked below, inside the guard for a body over the upload limit
@signed_in
def admin_template(request: HttpRequest, code: str, channel: str, step: str) -> HttpResponse:
    """GET/POST — one step's text on one channel: edit both languages, preview them with a
    sample transaction (action=preview, nothing saved), save (action=save) or go back to the
    default (action=reset). A refusal comes back beside its field, in the person's language;
    nothing is saved unless everything is."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    entity = _administered(request, code)
    try:
        current = queries.entity_template(entity, step, channel)
    except NotFound:
        raise Http404 from None
    try:
        return csrf_protect(_edit_template)(request, entity, current)
    except RequestDataTooBig:
        error = InvalidInput(
            "النص المرسل أكبر من المسموح، ولم يُحفظ شيء.",
            "The text sent is too large; nothing was saved.",
            code="too_large",
        )
        return _template_page(request, entity, current, current, {"": _message(error)}, 413)


def _edit_template(request: HttpRequest, entity: Any, current: Any) -> HttpResponse:
    if request.method != "POST":
        return _template_page(request, entity, current, current, {})
    action = request.POST.get("action", "save")
    url = reverse("notifications:admin_template", args=[entity.code, current.channel, current.step])
    actor = actor_for(request.user)
    if action == "reset":
        services.reset_templates(actor, entity.code, current.step, current.channel)
        messages.success(request, _said(_DONE_RESET))
        return redirect(url)
    # One line end, as the browser counts it while the person types (a form sends CRLF).
    posted = queries.EntityTemplate(
        step=current.step,
        channel=current.channel,
        body_ar=request.POST.get("body_ar", "").replace("\r\n", "\n"),
        body_en=request.POST.get("body_en", "").replace("\r\n", "\n"),
        enabled=current.mandatory or _flag(request.POST.get("enabled")),
        own=current.own,
        subject_ar=request.POST.get("subject_ar", current.subject_ar),
        subject_en=request.POST.get("subject_en", current.subject_en),
    )
    errors: dict[str, str] = {}
    if action == "preview":
        for language in Language.values:
            try:
                services.check_subject(
                    current.channel, language, getattr(posted, f"subject_{language}")
                )
            except InvalidInput as error:
                errors[error.field or ""] = _message(error)
            try:
                services.check_template(
                    entity,
                    current.step,
                    current.channel,
                    language,
                    getattr(posted, f"body_{language}"),
                )
            except InvalidInput as error:
                errors[error.field or ""] = _message(error)
        return _template_page(request, entity, current, posted, errors, preview=True)
    try:
        changed = services.save_templates(
            actor,
            entity.code,
            current.step,
            current.channel,
            body_ar=posted.body_ar,
            body_en=posted.body_en,
            enabled=posted.enabled,
            subject_ar=posted.subject_ar,
            subject_en=posted.subject_en,
        )
    except services.InvalidTemplates as refused:
        errors = {e.field or "": _message(e) for e in reversed(refused.errors)}
        return _template_page(request, entity, current, posted, errors, 400)
    messages.success(request, _said(_DONE_SAVED if changed else _DONE_UNCHANGED))
    return redirect(url)


# What the page says after a change (Arabic, English).
_DONE_SAVED = ("حُفظ النص.", "Saved.")
_DONE_UNCHANGED = ("لم يتغيّر شيء.", "Nothing changed.")
_DONE_RESET = ("عاد النص إلى النص الافتراضي.", "Back to the default text.")


def _said(words: tuple[str, str]) -> str:
    return words[1] if get_language() == "en" else words[0]


def _template_page(
    request: HttpRequest,
    entity: Any,
    current: Any,
    shown: Any,
    errors: dict[str, str],
    status: int = 200,
    *,
    preview: bool = False,
) -> HttpResponse:
    previews = []
    for language, label in Language.choices:
        body = getattr(shown, f"body_{language}")
        rendered = queries.preview(entity, body, language, shown.step)
        counted = sms.count(rendered, language) if shown.channel == Channel.SMS else None
        previews.append(
            {
                "language": language,
                "label": label,
                "body": body,
                "rendered": rendered,
                "counted": counted,
                "subject": queries.preview_subject(
                    entity, shown.step, language, getattr(shown, f"subject_{language}")
                )
                if shown.channel == Channel.EMAIL
                else "",
                "subject_value": getattr(shown, f"subject_{language}"),
                "subject_error": errors.get(f"subject_{language}", ""),
                "error": errors.get(f"body_{language}", ""),
                "entity_name": entity.name_en
                if language == Language.EN and entity.name_en
                else entity.name_ar,
                "samples_json": json.dumps(queries.samples(shown.step, language)),
            }
        )
    return render(
        request,
        "notifications/admin_template.html",
        {
            "entity": entity,
            "section": "notifications",
            "current": current,
            "shown": shown,
            "previews": previews,
            "errors": errors,
            "page_error": errors.get("") or errors.get("enabled", ""),
            "previewing": preview,
            "sample_reference": queries.sample_reference(entity),
            "own_placeholders": STEP_PLACEHOLDERS.get(current.step, ()),
            "alphabet": {
                "basic": "".join(sorted(sms.GSM7_BASIC)),
                "extension": "".join(sorted(sms.GSM7_EXTENSION)),
                "limits": sms.LIMITS,
                "cap": conf.get("WASL_SMS_MAX_PARTS"),
            },
            "cap": conf.get("WASL_SMS_MAX_PARTS"),
        },
        status=status,
    )
