"""The error pages are the workspace's own, in the page's language: not found, not allowed,
a form sent without its CSRF cookie, a request too big to read, and a server error."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from tests.web.conftest import signed_in


def test_not_found_is_our_page(cast: Any) -> None:
    response = signed_in(cast.clerk).get(f"/t/{uuid.uuid4()}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html and "غير موجود" in html


def test_a_form_without_its_csrf_cookie_is_explained_not_dumped(cast: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/signin/", {"username": "clerk", "password": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="ar" dir="rtl">' in html
    assert "تعذّر إرسال النموذج" in html and "لم يُحفظ شيء" in html
    assert "CSRF" not in html


def test_a_request_with_too_many_fields_gets_our_bad_request_page(cast: Any) -> None:
    fields = {f"f{i}": "x" for i in range(400)}
    response = signed_in(cast.clerk).post("/register/", fields)
    assert response.status_code == 400
    assert "تعذّرت قراءة الطلب" in response.content.decode()


@pytest.mark.parametrize(("language", "words"), [("ar", "حدث خطأ"), ("en", "Something went wrong")])
def test_a_server_error_shows_our_page_in_the_pages_language(language: str, words: str) -> None:
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}"' in html and words in html
    assert "/static/web/css/wasl.css" in html
