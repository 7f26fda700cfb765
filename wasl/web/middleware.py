"""Two rules for every answer, whichever view or middleware made it.

- `ApiErrors`: on /api/ paths every answer is marked ``Cache-Control: no-store``, and every
  error is the API's JSON `{"code", "message_ar", "message_en"}` — also those that Django or
  django-ninja answer before or around the API's own handlers (a method the operation does not
  have, a body Django cannot parse, a Host header not allowed, a URL too long), which would
  otherwise be HTML pages. A header field over WASL_MAX_HEADER_BYTES is refused with a 431 on
  every path: that JSON under /api/, the "request not understood" page elsewhere.
- `PrivateAnswers`: every page for a signed-in person, and every answer of the exchange between
  nodes, is marked ``no-store`` too. So answers that may carry personal data are kept by no
  browser history and no shared cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import translation

from wasl.core.errors import TooManyAttempts

API_PREFIX = "/api/"
# The exchange between nodes carries letters and their files: never cached either.
PRIVATE_PREFIXES = ("/exchange/", "/api/v1/portal/")

# What each status means, for errors that reach the person without a message of their own.
MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("malformed_request", "الطلب غير مفهوم (صيغة غير صحيحة).", "The request is malformed."),
    401: (
        "unauthorized",
        "يلزم رمز وصول صالح (Authorization: Bearer …).",
        "A valid bearer token is required (Authorization: Bearer …).",
    ),
    403: ("forbidden", "لا تملك صلاحية تنفيذ هذا الإجراء.", "You are not allowed to do this."),
    404: ("no_such_endpoint", "لا توجد خدمة بهذا العنوان.", "No such endpoint."),
    405: (
        "method_not_allowed",
        "هذه الخدمة لا تقبل هذا النوع من الطلبات.",
        "This endpoint does not accept this method.",
    ),
    413: ("request_too_large", "حجم الطلب أكبر من المسموح.", "The request is too large."),
    414: ("uri_too_long", "عنوان الطلب أطول من المسموح.", "The request's address is too long."),
    431: (
        "header_too_large",
        "أحد حقول ترويسة الطلب أطول من المسموح.",
        "A header field of the request is too large.",
    ),
    429: (TooManyAttempts.code, TooManyAttempts.message_ar, TooManyAttempts.message_en),
    500: (
        "server_error",
        "حدث خطأ في الخادم؛ لم يُحفظ شيء من هذا الطلب. أعد المحاولة لاحقاً.",
        "Something went wrong on the server; nothing of this request was saved. Try again later.",
    ),
}
GENERIC = ("error", "تعذّر إتمام الطلب.", "The request could not be completed.")
BAD_HOST = (
    "bad_host",
    "عنوان الخادم في الطلب (Host) غير مقبول.",
    "The request's Host header is not one this server answers to.",
)


def json_error(status: int, code: str, message_ar: str, message_en: str) -> HttpResponse:
    return HttpResponse(
        json.dumps({"code": code, "message_ar": message_ar, "message_en": message_en}),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def largest_header_field(request: HttpRequest) -> int:
    """The size of the request's largest header field, name and value (WSGI gives each value
    as the bytes it came as, one character a byte)."""
    sizes = [
        len(name) - 5 + len(value)
        for name, value in request.META.items()
        if name.startswith("HTTP_") and isinstance(value, str)
    ]
    sizes += [len(name) + len(request.META.get(name, "")) for name in ("CONTENT_TYPE",)]
    return max(sizes, default=0)


def language_when_too_large(request: HttpRequest) -> str:
    """The language of a request refused for an oversized header field: the person's choice
    (language cookie, then Accept-Language) unless a field it is read from is itself over the
    limit, then the default. Nothing else of the request is read."""
    for name in ("HTTP_COOKIE", "HTTP_ACCEPT_LANGUAGE"):
        if len(request.META.get(name, "")) > settings.WASL_MAX_HEADER_BYTES:
            return str(settings.LANGUAGE_CODE)
    return translation.get_language_from_request(request)


def url_length(request: HttpRequest) -> int:
    return len(request.path_info.encode("utf-8", "surrogateescape")) + len(
        request.META.get("QUERY_STRING", "")
    )


class ApiErrors:
    """The first middleware: it sees every answer last."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_api(request):
            if largest_header_field(request) > settings.WASL_MAX_HEADER_BYTES:
                # Before the session and the person are read (from what may be that very
                # header); the page in the person's language when it can be read safely.
                with translation.override(language_when_too_large(request)):
                    return render(request, "400.html", status=431)
            return self.get_response(request)
        response = self.answer(request)
        return no_store(response)

    def answer(self, request: HttpRequest) -> HttpResponseBase:
        try:
            request.get_host()
        except DisallowedHost:
            return json_error(400, *BAD_HOST)
        if url_length(request) > settings.WASL_MAX_URL_BYTES:
            return json_error(414, *MESSAGES[414])
        if largest_header_field(request) > settings.WASL_MAX_HEADER_BYTES:
            return json_error(431, *MESSAGES[431])
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        replaced = json_error(response.status_code, *MESSAGES.get(response.status_code, GENERIC))
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replaced[header] = response[header]
        return replaced


def no_store(response: HttpResponseBase) -> HttpResponseBase:
    if "no-store" not in response.get("Cache-Control", ""):
        response["Cache-Control"] = "no-store"
    return response


class PrivateAnswers:
    """A page is taken as a signed-in person's when the request carries a session cookie:
    deciding by `request.user` would load the session on pages that never needed it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES or request.path_info.startswith(
            PRIVATE_PREFIXES
        ):
            return no_store(response)
        return response
