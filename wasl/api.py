"""The API at /api/v1/: bearer tokens per person; every error is JSON
`{"code", "message_ar", "message_en"}` with the right status."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from wasl.core.errors import WaslError
from wasl.dashboards.api import router as dashboards_router
from wasl.directory.api import router as directory_router
from wasl.directory.tokens import user_for_token
from wasl.exchange.api import router as exchange_router
from wasl.inquiry.api import router as inquiry_router
from wasl.portal.api import router as portal_router
from wasl.registry.api import router as registry_router
from wasl.reports.api import router as reports_router
from wasl.web.signin import client_address, record_refused_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            # Audited in aggregate per source and minute (wasl.web.signin). A valid token's
            # use is not recorded per request: what is done with it is audited by each act.
            record_refused_token(token, client_address(request))
        return user


api = NinjaAPI(
    title="Wasl API",
    version="1",
    description="وصل — سجل المعاملات الحكومية وإحالتها. Government transactions: registry and routing.",
    auth=BearerToken(),
    urls_namespace="api-v1",
)
api.add_router("/", directory_router)
api.add_router("/", registry_router)
api.add_router("/", inquiry_router)
api.add_router("/", exchange_router)
api.add_router("/", dashboards_router)
api.add_router("/", reports_router)
# The citizen's and resident's own answers, by the portal's session (never a bearer token).
api.add_router("/portal/", portal_router)


def _error(
    request: HttpRequest, status: int, code: str, ar: str, en: str, **extra: Any
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message_ar": ar, "message_en": en, **extra}, status=status
    )


@api.exception_handler(WaslError)
def wasl_error(request: HttpRequest, exc: WaslError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = []
    for err in exc.errors[:20]:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "payload", "query")]
        details.append({"field": ".".join(loc), "problem": str(err.get("msg", ""))[:200]})
    fields = ", ".join(d["field"] for d in details if d["field"]) or "-"
    return _error(
        request,
        422,
        "validation_error",
        f"البيانات المرسلة غير صحيحة أو ناقصة (الحقول: {fields}).",
        f"The data sent is malformed or incomplete (fields: {fields}).",
        details=details,
    )


@api.exception_handler(AuthenticationError)
def unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request,
        401,
        "unauthorized",
        "يلزم رمز وصول صالح (Authorization: Bearer …).",
        "A valid bearer token is required (Authorization: Bearer …).",
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    if status == 400:
        return _error(
            request,
            400,
            "malformed_request",
            "الطلب غير مفهوم (صيغة غير صحيحة).",
            f"The request could not be understood: {str(exc)[:200]}",
        )
    return _error(request, status, f"http_{status}", "تعذّر إتمام الطلب.", str(exc)[:200])


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "العنصر المطلوب غير موجود.", "Not found.")


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request, 413, "request_too_large", "حجم الطلب أكبر من المسموح.", "The request is too large."
    )


@api.exception_handler(TooManyFieldsSent)
def too_many_fields(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request, 413, "too_many_fields", "عدد الحقول أكبر من المسموح.", "Too many fields were sent."
    )


def unknown_endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything under /api/ that is not an endpoint: JSON, like every other API error."""
    return _error(
        request, 404, "no_such_endpoint", "لا توجد خدمة بهذا العنوان.", "No such endpoint."
    )
