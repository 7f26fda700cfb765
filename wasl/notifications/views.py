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
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from wasl.core.errors import NotFound, WaslError
from wasl.directory.actors import actor_for

from . import conf, receipts, services

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
