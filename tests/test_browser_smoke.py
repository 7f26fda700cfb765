"""The browser harness itself: Chromium starts and renders a page of ours, in Arabic."""

from __future__ import annotations


def test_chromium_opens_the_first_page_in_arabic_right_to_left(page):
    page.goto("/admin/login/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
