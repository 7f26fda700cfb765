"""Anyone holding a registration receipt checks that Wasl issued it: the QR code on the receipt
opens this page (wasl/web/receipt.py makes and reads the signed address)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..receipt import verified_transaction


def verify_receipt(request: HttpRequest, code: str) -> HttpResponse:
    txn = verified_transaction(code)
    # A code Wasl did not make and one of a transaction that no longer exists read the same.
    return render(request, "web/verify.html", {"txn": txn}, status=200 if txn is not None else 404)
