"""The receipt's QR code opens a verification address that anyone can check: Wasl's signature
verified, only what the receipt prints shown, and nothing that helps an enumerator."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import zxingcpp
from django.core import signing
from django.test import Client
from PIL import Image

from tests.conftest import make_transaction
from tests.web.conftest import signed_in
from wasl.web.receipt import verification_code


def qr_of_receipt(pdf: bytes, tmp_path: Path) -> str:
    """The text of the QR code printed on the receipt, read from the rendered page."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "poppler-utils is missing"
    (tmp_path / "receipt.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603
        [
            pdftoppm,
            "-r",
            "150",
            "-png",
            "-singlefile",
            str(tmp_path / "receipt.pdf"),
            str(tmp_path / "receipt"),
        ],
        check=True,
    )
    (code,) = zxingcpp.read_barcodes(Image.open(tmp_path / "receipt.png"))
    return str(code.text)


def test_the_qr_code_opens_the_verification_of_that_receipt(cast: Any, tmp_path: Path) -> None:
    txn = make_transaction(cast, subject="طلب سري للغاية عن أرض", confidentiality="confidential")
    pdf = signed_in(cast.clerk).get(f"/t/{txn.public_id}/receipt.pdf").content
    address = qr_of_receipt(pdf, tmp_path)
    assert address.startswith("http://testserver/verify/"), address
    assert txn.reference not in address  # the address names nothing a stranger could guess
    page = Client().get(urlsplit(address).path)  # anyone, signed in or not
    html = page.content.decode()
    assert page.status_code == 200
    assert "هذا الإيصال صحيح" in html and txn.reference in html and cast.emk.name_ar in html
    # Only what the receipt prints: no subject, no person, no unit, no state.
    for private in (txn.subject, "الحربي", "1058529940", cast.registry.name_ar, "مسجلة"):
        assert private not in html, private


def test_a_code_wasl_did_not_make_is_refused_like_a_missing_transaction(cast: Any) -> None:
    txn = make_transaction(cast)
    good = verification_code(txn)
    value, _, signature = good.partition(":")
    other = make_transaction(cast)
    forged = [
        f"{other.public_id.hex}:{signature}",  # another transaction, this receipt's signature
        f"{value}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # one letter changed
        value,  # no signature
        "x" * 5000,  # oversized
        "%00%ff",
        f"{'0' * 32}:{signature}",
    ]
    answers = {
        Client().get(f"/verify/{code}/").content.decode().split("<main", 1)[-1] for code in forged
    }
    for code in forged:
        assert Client().get(f"/verify/{code}/").status_code == 404
    assert len(answers) == 1  # the same page whatever was wrong
    # Signed by Wasl, but of no transaction here (a receipt of another installation, or of a
    # database restored from before it): the same answer as a forged one.
    unknown = signing.Signer(salt="wasl.receipt").sign(uuid.uuid4().hex)
    gone = Client().get(f"/verify/{unknown}/")
    assert gone.status_code == 404 and gone.content.decode().split("<main", 1)[-1] in answers
    assert "لا ينتمي إلى إيصال" in next(iter(answers))


def test_the_verification_reads_in_english(cast: Any) -> None:
    txn = make_transaction(cast)
    client = Client()
    client.post("/language/", {"language": "en"})
    html = client.get(f"/verify/{verification_code(txn)}/").content.decode()
    assert "This receipt is genuine" in html and "Emirate" in html and " AH" in html
    assert "هذا الإيصال" not in html
