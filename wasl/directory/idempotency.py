"""Idempotency keys for the API's POSTs, after the IETF draft "The Idempotency-Key HTTP Header
Field" (draft-ietf-httpapi-idempotency-key-header): a client that did not get its answer sends
the same request again with the same key, and gets the first answer instead of a second change.

A key belongs to the person whose token sent it (or, for an operation decorated with
`idempotent_as(owner)`, to whoever `owner` names: the portal's signed-in person, by their
session). How a request with a key runs:

1. The key is claimed in a short transaction of its own: a row saying "in flight, held by this
   attempt until `held_until`". A repeat finds the row: with another body it is refused (422);
   with its answer written, that answer is sent again; still in flight, 409 with Retry-After.
2. The operation runs inside one database transaction, and its answer (status and body) is
   written to the row in that same transaction before it commits. So a change that committed
   always has its answer stored, even when the server is killed (kill -9) before the answer
   leaves it; a change that did not commit leaves the key in flight, which a repeat may take
   over once `held_until` has passed (the process that held it is gone by then: the setting
   `WASL_IDEMPOTENCY_HOLD_SECONDS` is above `wasl serve --timeout`).
3. An answer of 500 or more (or 408, 425, 429) is not kept: what the operation did is rolled
   back with it and the key is freed for a retry.

The fingerprint of a multipart request is taken from its parsed fields and files, so with a key
an upload is read (within the upload limits, to temporary files deleted with the request)
before the operation checks who may attach.

Requests without the header run as before, with no query more. A request with a key costs five
statements more: the person's token (read before the operation), the claim's INSERT, the
answer's UPDATE, and the SAVEPOINT and RELEASE of the service's atomic block, which is now
nested; a repeat costs three (the token, the refused INSERT, the stored answer).
Answers are kept `KEEP` (24 hours) and then pruned by the periodic job
`directory.prune_idempotent_requests`.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django_tasks import task
from ninja.decorators import decorate_view
from ninja.utils import contribute_operation_callback

from wasl.core.errors import Conflict, InvalidInput, TooLarge, WaslError

from .models import IdempotentRequest
from .tokens import user_for_token

HEADER = "Idempotency-Key"
KEY_MAX = 255
KEEP = timedelta(hours=24)
# Answers that say "not now" rather than "this is the answer" are not kept.
NOT_KEPT = frozenset({408, 425, 429})

OPENAPI_PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe (IETF draft 'The Idempotency-Key HTTP Header Field'): a unique "
        'value per request, e.g. a UUID, as a quoted string ("…") or bare. A repeat with the '
        "same key gets the first answer (kept 24 hours), marked `Idempotent-Replayed: true`; "
        "the same key with another body is refused (422 `idempotency_key_reused`); a repeat "
        "while the first is still running gets 409 `idempotency_key_in_flight` with "
        "Retry-After. "
        "مفتاح عدم التكرار: يعيد الطلب المكرر بالمفتاح نفسه الإجابة الأولى دون تنفيذه مرة أخرى."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX, "pattern": r"^[ -~]+$"},
}


# Whose key it is, as a filter on IdempotentRequest (`{"user_id": …}` or `{"owner": …}`), or
# None when the request is nobody's (the operation then answers 401 itself).
Owner = Callable[[HttpRequest], dict[str, Any] | None]


def _token_owner(request: HttpRequest) -> dict[str, Any] | None:
    user = _person(request)
    return None if user is None else {"user_id": user.pk}


def idempotent(func: Callable[..., Any]) -> Callable[..., Any]:
    """Make an API operation honour `Idempotency-Key`. Put it under `@router.post(...)`."""
    return idempotent_as(_token_owner)(func)


def idempotent_as(owner: Owner) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`idempotent` for an operation not authenticated by a bearer token: `owner` says whose
    key it is, e.g. `{"owner": "person:<id>"}` (an `owner` string, never a staff user's)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        def document(operation: Any) -> None:
            extra = dict(operation.openapi_extra or {})
            extra["parameters"] = [*extra.get("parameters", []), OPENAPI_PARAMETER]
            operation.openapi_extra = extra

        contribute_operation_callback(func, document)
        return decorate_view(functools.partial(_with_key, owner=owner))(func)

    return decorate


def _with_key(
    run: Callable[..., HttpResponse], owner: Owner = _token_owner
) -> Callable[..., HttpResponse]:
    @functools.wraps(run)
    def run_once(request: HttpRequest, **kw: Any) -> HttpResponse:
        header = request.headers.get(HEADER)
        if header is None:
            return run(request, **kw)
        who = owner(request)
        if who is None:
            return run(request, **kw)  # the operation answers 401
        try:
            key = parse_key(header)
            claim = _claim(who, key, _fingerprint(request))
        except WaslError as error:
            return _error(error)
        except RequestDataTooBig:
            return _error(
                TooLarge(
                    "حجم الطلب أكبر من المسموح.",
                    "The request is too large.",
                    code="request_too_large",
                )
            )
        if isinstance(claim, IdempotentRequest):
            return _replay(claim)
        return _run_holding(
            run,
            request,
            kw,
            IdempotentRequest.objects.filter(**who, key=key, attempt=claim, status__isnull=True),
        )

    return run_once


def parse_key(header: str) -> str:
    """The key in the header: a Structured Fields string (`"…"`), or the bare value."""
    value = header.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not value or len(value) > KEY_MAX or any(not " " <= ch <= "~" for ch in value):
        raise InvalidInput(
            f"مفتاح عدم التكرار (Idempotency-Key) يجب أن يكون نصاً مطبوعاً من 1 إلى {KEY_MAX} حرفاً.",
            f"The Idempotency-Key must be 1 to {KEY_MAX} printable ASCII characters.",
            code="idempotency_key_invalid",
        )
    return value


def _person(request: HttpRequest) -> Any:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return user_for_token(token.strip())


def _fingerprint(request: HttpRequest) -> str:
    """What makes two requests "the same": method, path and body (for a multipart body, its
    fields and the content of its files, read from the temporary files Django wrote)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.content_type == "multipart/form-data":
        for name, values in sorted(request.POST.lists()):
            for value in values:
                digest.update(f"field {name}={value}\n".encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(f"file {name} {upload.name} {upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _claim(who: dict[str, Any], key: str, fingerprint: str) -> uuid.UUID | IdempotentRequest:
    """Hold the key for this attempt (returns the attempt's id), or the finished request whose
    answer is to be sent again. Raises when the key is held or was used for another body."""
    now = timezone.now()
    attempt = uuid.uuid4()
    held_until = now + timedelta(seconds=int(settings.WASL_IDEMPOTENCY_HOLD_SECONDS))
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                **who,
                key=key,
                fingerprint=fingerprint,
                attempt=attempt,
                held_until=held_until,
                created_at=now,
            )
        return attempt
    except IntegrityError:
        pass
    found = IdempotentRequest.objects.filter(**who, key=key).first()
    if found is None:  # pruned in between: the caller's client retries
        raise _in_flight(1)
    if found.fingerprint != fingerprint:
        raise InvalidInput(
            "مفتاح عدم التكرار هذا استُعمل لطلب آخر مختلف؛ استعمل مفتاحاً جديداً لكل طلب جديد.",
            "This Idempotency-Key was used for a different request; use a new key for each "
            "new request.",
            code="idempotency_key_reused",
            status=422,
        )
    if found.status is not None:
        return found
    if found.held_until > now:
        raise _in_flight(max(1, int((found.held_until - now).total_seconds()) + 1))
    # The attempt that held it died without committing: this one takes it over.
    taken = IdempotentRequest.objects.filter(
        pk=found.pk, attempt=found.attempt, status__isnull=True
    ).update(attempt=attempt, held_until=held_until)
    if not taken:
        raise _in_flight(1)
    return attempt


class _NotKept(Exception):
    """An answer that is not kept: what the operation did is rolled back with it."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _run_holding(
    run: Callable[..., HttpResponse],
    request: HttpRequest,
    kw: dict[str, Any],
    held: QuerySet[IdempotentRequest],
) -> HttpResponse:
    """Run the operation and write its answer to the held key in one database transaction."""
    kept = False
    try:
        with transaction.atomic():
            response = run(request, **kw)
            status = response.status_code
            if status >= 500 or status in NOT_KEPT:
                raise _NotKept(response)
            kept = bool(
                held.update(
                    status=status,
                    content_type=response.get("Content-Type", ""),
                    body=response.content,
                    held_until=timezone.now(),
                )
            )
            if not kept:
                # Another attempt took the key over (this one outlived its hold): only one of
                # them may change anything.
                raise _in_flight(1)
        return response
    except _NotKept as not_kept:
        return not_kept.response
    except Conflict as error:
        return _error(error)
    finally:
        if not kept:
            held.delete()  # the key is free for a retry


def _replay(found: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(found.body), status=found.status or 200, content_type=found.content_type or None
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _in_flight(retry_after: int) -> Conflict:
    error = Conflict(
        "طلب بمفتاح عدم التكرار نفسه ما زال قيد التنفيذ؛ أعد المحاولة بعد قليل.",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        code="idempotency_key_in_flight",
    )
    error.retry_after = retry_after  # type: ignore[attr-defined]
    return error


def _error(error: WaslError) -> HttpResponse:
    response = JsonResponse(error.as_dict(), status=error.status)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@task()
def prune_idempotent_requests() -> int:
    """Delete the keys and answers older than `KEEP` (safe to run twice). Returns how many."""
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted
