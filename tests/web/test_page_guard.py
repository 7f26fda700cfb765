"""One page guard on every staff page: strangers are sent to sign in, and what a person may
not see is a 404 on every page that names it, the same as what does not exist. One table of
steps: every step of the state machine has its form, its service and its message."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client
from django.urls import URLPattern, reverse

from tests.conftest import make_referred
from tests.web.conftest import PDF_BYTES, signed_in
from wasl.exchange import delivery, members
from wasl.exchange import services as exchange
from wasl.registry import services as registry
from wasl.registry import states
from wasl.web import urls
from wasl.web.views import exchange as exchange_pages
from wasl.web.views import steps

# Pages for everyone. The receipt's verification names its transaction by a code only Wasl can
# sign (tests/web/test_receipt_verification.py), not by an id the page guard checks.
PUBLIC = {"home", "signin", "signout", "set_language", "verify_receipt"}


def pages_with_ids(txn: Any, ref: Any, att: Any, mid: Any) -> dict[str, list[str]]:
    """Every page of the workspace that names an object, with the ids of real ones."""
    ids = {"tid": txn.public_id, "rid": ref.public_id, "aid": att.public_id, "mid": mid}
    found: dict[str, list[str]] = {}
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        converters = set(pattern.pattern.converters)
        if not converters or pattern.name in PUBLIC:
            continue
        if (pattern.name or "").startswith("admin_") or pattern.name == "set_password":
            # They name an entity, a person or a unit, not a transaction's object: who
            # reaches them is tests/security/test_administration_scope.py.
            continue
        kwargs: dict[str, Any] = {name: ids[name] for name in converters if name in ids}
        if "step" in converters:
            names = states.REFERRAL_STEPS if "rid" in converters else states.TRANSACTION_STEPS
            if "mid" in converters:
                names = exchange_pages.DELIVERY_STEPS
            found[pattern.name or ""] = [
                reverse(f"web:{pattern.name}", kwargs={**kwargs, "step": s}) for s in names
            ]
        else:
            found[pattern.name or ""] = [reverse(f"web:{pattern.name}", kwargs=kwargs)]
    return found


def test_every_page_names_its_object_by_a_public_id_the_guard_checks(cast: Any) -> None:
    txn, ref = make_referred(cast)
    att = registry.add_attachment(
        cast.clerk.actor,
        txn.public_id,
        chunks=[PDF_BYTES],
        filename="a.pdf",
        declared_type="application/pdf",
    )
    # A letter sent to the governorate through Wasl and delivered: its receipt, its proof
    # (the outsider, of the Amanah, is of neither entity).
    members.init_node("NODE-T", "http://testserver")
    for entity in (cast.emk, cast.jed):
        members.join(entity)
    sent = exchange.send_letter(
        cast.clerk.actor, unit=cast.registry, to=["GOV-JED"], subject="خطاب"
    )
    delivery.deliver_due()
    (message,) = sent.messages
    mid = message.message_id
    pages = pages_with_ids(txn, ref, att, mid)
    assert set(pages) == {
        "transaction",
        "receipt",
        "transaction_step",
        "referral_step",
        "attachment",
        "attachment_download",
        "exchange_receipt",
        "exchange_proof",
        "delivery_step",
    }
    outsider, clerk, stranger = signed_in(cast.outsider), signed_in(cast.clerk), Client()
    for name, paths in pages.items():
        for path in paths:
            shown = clerk.get(path)
            if shown.streaming:
                b"".join(shown.streaming_content)  # read to the end, which closes the file
            # The steps on a delivery are forms on the transaction page: POST only.
            assert shown.status_code == (405 if name == "delivery_step" else 200), path
            assert outsider.get(path).status_code == 404, path
            assert outsider.post(path, {"reason": "x", "text": "x"}).status_code == 404, path
            unknown = path.replace(str(txn.public_id), str(uuid.uuid4()))
            unknown = unknown.replace(str(ref.public_id), str(uuid.uuid4()))
            unknown = unknown.replace(str(att.public_id), str(uuid.uuid4()))
            unknown = unknown.replace(str(mid), str(uuid.uuid4()))
            assert clerk.get(unknown).status_code == 404, unknown
            away = stranger.get(path)
            assert away.status_code == 302 and away.url.startswith("/signin/"), path


def test_every_page_but_signing_in_is_for_signed_in_staff(cast: Any) -> None:
    stranger = Client()
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in PUBLIC or pattern.pattern.converters:
            continue
        response = stranger.get(reverse(f"web:{pattern.name}"))
        assert response.status_code == 302 and response.url.startswith("/signin/"), pattern.name


def test_the_table_of_steps_has_every_step_of_the_state_machine() -> None:
    assert set(steps.TRANSACTION_STEP_PAGES) == set(states.TRANSACTION_STEPS)
    assert set(steps.REFERRAL_STEP_PAGES) == set(states.REFERRAL_STEPS)
    for page in [*steps.TRANSACTION_STEP_PAGES.values(), *steps.REFERRAL_STEP_PAGES.values()]:
        assert str(page.done).endswith(".")


def test_a_step_not_in_the_table_is_a_404(cast: Any) -> None:
    txn, ref = make_referred(cast)
    clerk = signed_in(cast.clerk)
    assert clerk.get(f"/t/{txn.public_id}/answer/").status_code == 404
    assert clerk.get(f"/r/{ref.public_id}/close/").status_code == 404
    assert clerk.get(f"/t/{txn.public_id}/nonsense/").status_code == 404
