"""With English chosen, every page of the workspace reads in English: the pages, their
dialogs and step pages, the error pages and the PDF receipt. Arabic left on an English page
(other than what people typed and their names) is a string someone forgot to translate."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

from django.test import Client

from tests.conftest import make_transaction
from tests.web.conftest import screenshot_path, signed_in
from wasl.directory import services as directory
from wasl.registry import services as registry

ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+")


def english(client: Client) -> Client:
    client.post("/language/", {"language": "en"})
    return client


def arabic_left(html: str, cast: Any) -> list[str]:
    """The Arabic words of a page, less people's names and the switch back to Arabic."""
    for person in (cast.clerk, cast.head, cast.rights_clerk, cast.rights_head, cast.auditor):
        html = html.replace(person.user.get_full_name(), "")
    html = re.sub(r'<button[^>]*lang="ar"[^>]*>[^<]*</button>', "", html)
    return ARABIC.findall(html)


def english_transaction(cast: Any) -> Any:
    return make_transaction(
        cast,
        subject="Compensation for land in Al-Rawdah",
        body="The citizen's petition is attached.",
        party=registry.Party(type="citizen", name="Mohammed Al-Harbi", id_number="1058529940"),
    )


def test_every_page_and_step_reads_in_english(cast: Any) -> None:
    txn = english_transaction(cast)
    other = make_transaction(
        cast,
        subject="An earlier letter",
        party=registry.Party(type="none"),
        correspondent_code="GOV-JED",
    )
    registry.link(cast.clerk.actor, txn.public_id, other.public_id, kind="related")
    (ref,) = registry.refer(
        cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="For study"
    )
    clerk = english(signed_in(cast.clerk))
    rights = english(signed_in(cast.rights_clerk))
    pages = {
        "inbox": (clerk, "/"),
        "register": (clerk, "/register/"),
        "transaction": (clerk, f"/t/{txn.public_id}/"),
        "rights transaction": (rights, f"/t/{txn.public_id}/"),
        "not found": (clerk, f"/t/{uuid.uuid4()}/"),
        "sign out": (clerk, "/signout/"),
    }
    for box in ("open", "new", "in_progress", "due_soon", "overdue", "held"):
        pages[f"rights inbox {box}"] = (rights, f"/inbox/?box={box}&date_from=1&sort=x")
    for step in ("refer", "comment", "attach", "link", "close", "reopen", "cancel"):
        pages[f"step {step}"] = (clerk, f"/t/{txn.public_id}/{step}/")
    for step in ("acknowledge", "answer", "return", "forward"):
        pages[f"referral {step}"] = (rights, f"/r/{ref.public_id}/{step}/")
    leaks = {}
    for name, (client, path) in pages.items():
        html = client.get(path).content.decode()
        assert '<html lang="en" dir="ltr">' in html, name
        if found := arabic_left(html, cast):
            leaks[name] = found
    assert leaks == {}


def test_refusals_and_errors_read_in_english(cast: Any) -> None:
    txn = english_transaction(cast)
    clerk = english(signed_in(cast.clerk))
    token = re.search(
        r'name="form_token" value="([^"]+)"', clerk.get("/register/").content.decode()
    )
    assert token
    responses = {
        "register errors": clerk.post(
            "/register/",
            {
                "form_token": token.group(1),
                "subject": "",
                "party_type": "citizen",
                "party_id_number": "١٠٥٨٥٢٩٩٤١",
                "due_date": "1448/02/31",
                "urgency": "x",
            },
        ),
        "expired form": clerk.post("/register/", {"form_token": "nope", "subject": "A"}),
        "step error": clerk.post(f"/t/{txn.public_id}/close/", {"reason": ""}),
        "service refusal": clerk.post(f"/t/{txn.public_id}/reopen/", {"reason": "Again"}),
        "not allowed": english(signed_in(cast.auditor)).get("/register/"),
    }
    directory.grant(cast.clerk.user, cast.rights, "clerk")
    responses["choose unit"] = english(signed_in(cast.clerk)).post("/unit/", {"unit": "x"})
    stranger = Client()
    stranger.post("/language/", {"language": "en"})
    responses["sign-in"] = stranger.get("/")
    for _ in range(5):
        responses["sign-in refused"] = stranger.post(
            "/signin/", {"username": "clerk", "password": "wrong"}
        )
    csrf = Client(enforce_csrf_checks=True)
    csrf.cookies["django_language"] = "en"
    responses["csrf"] = csrf.post("/signin/", {"username": "clerk", "password": "x"})
    leaks = {}
    for name, response in responses.items():
        assert response.status_code in (200, 400, 403, 409), (name, response.status_code)
        # What the person typed is kept as typed, Arabic digits included.
        html = response.content.decode().replace("١٠٥٨٥٢٩٩٤١", "")
        assert 'lang="en"' in html, name
        if found := arabic_left(html, cast):
            leaks[name] = found
    assert leaks == {}
    assert "Too many failed attempts" in responses["sign-in refused"].content.decode()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing: apt-get install poppler-utils"
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(  # noqa: S603
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_receipt_prints_in_english_when_english_is_chosen(cast: Any, tmp_path: Path) -> None:
    txn = english_transaction(cast)
    pdf = english(signed_in(cast.clerk)).get(f"/t/{txn.public_id}/receipt.pdf").content
    text = pdf_text(pdf, tmp_path)
    png = screenshot_path("web-receipt-en.png", tmp_path)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: apt-get install poppler-utils"
    subprocess.run(  # noqa: S603
        [pdftoppm, "-png", "-r", "60", "-singlefile", str(tmp_path / "receipt.pdf"), str(png)[:-4]],
        check=True,
    )
    assert "Registration receipt" in text or "Reference" in text, text
    assert txn.reference in text
    assert arabic_left(text, cast) == []
