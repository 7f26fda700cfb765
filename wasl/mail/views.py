"""The incoming mail's pages: the items to triage, a message's raw bytes, and the demo page of
what the local SMTP server received (with a reply that goes back through `wasl mail serve`)."""

from __future__ import annotations

import json
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.mail import EmailMessage as OutgoingMessage
from django.core.mail import get_connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from wasl.core.errors import NotFound, WaslError
from wasl.directory.actors import actor_for
from wasl.notifications.views import demo_enabled, signed_in

from . import conf, queries, services

DEMO_SHOWN = 50
REPLY_MAX = 5_000


@signed_in
def triage(request: HttpRequest) -> HttpResponse:
    """GET /mail/triage — mail that may concern a matter but was not added to one: senders who
    are not the visitor, mail that found no transaction, mail about a cancelled matter."""
    items = queries.to_triage(actor_for(request.user))
    return render(request, "mail/triage.html", {"items": items})


@signed_in
@require_POST
def reply(request: HttpRequest, tid: Any) -> HttpResponse:
    """POST /mail/t/<id>/reply — the holding unit answers the visitor by e-mail, from the
    transaction page."""
    back = reverse("web:transaction", args=[tid]) + "#notifications-title"
    english = get_language() == "en"
    try:
        services.reply_to_visitor(
            actor_for(request.user),
            tid,
            text=request.POST.get("text", "")[: services.REPLY_MAX + 1],
        )
    except NotFound:
        raise Http404 from None
    except WaslError as error:
        messages.error(request, error.message_en if english else error.message_ar)
        return redirect(back)
    messages.success(
        request,
        "The answer is on its way to the visitor's e-mail."
        if english
        else "أُرسل الرد إلى بريد صاحب المعاملة.",
    )
    return redirect(back)


@signed_in
def raw_message(request: HttpRequest, mid: Any) -> HttpResponse:
    """GET /mail/m/<id>.eml — a received message as it came (to those who may read it)."""
    row = queries.visible_messages(actor_for(request.user)).filter(public_id=mid).first()
    path = services.raw_path(row.sha256) if row else None
    if path is None or not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{row.public_id}.eml" if row else "message.eml",
        content_type="message/rfc822",
    )


# ---------------------------------------------------------------------------------------------
# The demo's mail catcher


def dev_dir() -> Path:
    return Path(conf.get("WASL_MAIL_DEV_DIR") or Path(settings.VAR_DIR) / "mail-dev")


def _dev_index() -> list[dict[str, Any]]:
    path = dev_dir() / "index.jsonl"
    if not path.exists():
        return []
    entries = []
    for line in path.read_text("utf-8").splitlines()[-DEMO_SHOWN:]:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and str(entry.get("file", "")).endswith(".eml"):
            entries.append(entry)
    return entries


def _dev_message(number: int) -> EmailMessage:
    path = dev_dir() / f"{number:06d}.eml"
    if number < 1 or not path.exists():
        raise Http404
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeDecodeError):
        return ""


@signed_in
def demo(request: HttpRequest) -> HttpResponse:
    """GET /mail/demo — what the local SMTP server received, newest first, as a developer's
    mail catcher shows it; each with a reply form that plays the visitor answering. Only with
    DEBUG or WASL_DEMO=1 (404 otherwise)."""
    if not demo_enabled():
        raise Http404
    received = []
    for entry in reversed(_dev_index()):
        number = int(entry["file"].split(".")[0])
        message = _dev_message(number)
        try:
            at = datetime.fromisoformat(str(entry.get("received_at")))
        except ValueError:
            at = None
        received.append(
            {
                "number": number,
                "to": ", ".join(entry.get("rcpt_tos", [])),
                "from": str(message.get("From", "")),
                "subject": " ".join(str(message.get("Subject", "")).split()),
                "auto": str(message.get("Auto-Submitted", "")),
                "message_id": str(message.get("Message-ID", "")),
                "in_reply_to": str(message.get("In-Reply-To", "")),
                "text": _body(message, "plain"),
                "has_html": bool(_body(message, "html")),
                "received": at,
            }
        )
    return render(
        request,
        "mail/demo.html",
        {
            "received": received,
            "folder": dev_dir(),
            "listener": f"{conf.get('WASL_MAIL_HOST')}:{conf.get('WASL_MAIL_PORT')}",
        },
    )


@signed_in
def demo_html(request: HttpRequest, number: int) -> HttpResponse:
    """GET /mail/demo/<n>.html — the HTML part of a received message, as a mail client shows
    it: in a sandbox (no script, no request anywhere)."""
    if not demo_enabled():
        raise Http404
    html = _body(_dev_message(number), "html")
    if not html:
        raise Http404
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    return response


@signed_in
@require_POST
def demo_reply(request: HttpRequest, number: int) -> HttpResponse:
    """POST /mail/demo/<n>/reply — the visitor answers a message they got: the answer goes by
    SMTP to `wasl mail serve`, In-Reply-To the message, as the visitor's mail client sends it."""
    if not demo_enabled():
        raise Http404
    original = _dev_message(number)
    english = get_language() == "en"
    text = request.POST.get("text", "").strip()[:REPLY_MAX]
    back = reverse("mail:demo")
    if not text:
        messages.error(request, "Write the answer." if english else "اكتب الرد.")
        return redirect(back)
    ours = str(original.get("Message-ID", ""))
    thread = [*str(original.get("References", "")).split(), ours]
    visitor = str(original.get("To", ""))
    quoted = "\n".join("> " + line for line in _body(original, "plain").splitlines())
    reply = OutgoingMessage(
        subject="Re: " + " ".join(str(original.get("Subject", "")).split()),
        body=f"{text}\n\nOn {original.get('Date', '')}, {original.get('From', '')} wrote:\n{quoted}\n",
        from_email=visitor,
        to=[str(original.get("From", ""))],
        headers={"In-Reply-To": ours, "References": " ".join(thread[-10:])},
        connection=get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=conf.get("WASL_MAIL_HOST"),
            port=conf.get("WASL_MAIL_PORT"),
            timeout=10,
        ),
    )
    try:
        reply.send()
    except OSError:
        messages.error(
            request,
            "wasl mail serve cannot be reached: start it with make demo."
            if english
            else "تعذر الوصول إلى wasl mail serve: شغّله بـ make demo.",
        )
        return redirect(back)
    messages.success(
        request,
        "The answer went to wasl mail serve: see the transaction's timeline."
        if english
        else "أُرسل الرد إلى wasl mail serve: انظر سجل أحداث المعاملة.",
    )
    return redirect(back)
