"""Every page passes axe-core at WCAG 2.1 A and AA, and fits every width (360, 390, 768 and
1280 px: no horizontal scrolling), in Arabic and in English.

axe-core is vendored (tests/vendor/axe-core, from its npm package) and injected into each page
in Chromium after it has loaded; every violation is reported with the rule, its impact and the
elements it found, so that a failure says what to fix. Pages: the public ones (sign-in,
inquiry, kiosk, a page that does not exist), and the staff's as the people whose pages they
are — inbox and its boxes, registration (empty and with errors), a transaction with referrals
and every step page of the transaction and of its referral, search with results, and the
dashboards (region, entity, unit, person, control room, drill-down list).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, make_referred, make_transaction
from wasl.exchange import delivery, members
from wasl.exchange import services as exchange
from wasl.exchange.models import IncomingMessage
from wasl.registry import states
from wasl.web.receipt import verification_code

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = {"ar": "ar-SA", "en": "en-US"}
WIDTHS = (360, 390, 768, 1280)

RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    rule: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
  }));
}"""


def violations(page: Any, tags: list[str] = TAGS) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(RUN, tags)
    return found


def test_the_check_finds_what_it_looks_for(chromium: Any, live_server: Any) -> None:
    """The harness is not blind: a page with an image without text and a nameless button
    fails it."""
    _, page = open_in(chromium, live_server, "ar")
    page.goto("/signin/")
    page.evaluate(
        "() => { const m = document.querySelector('main');"
        " m.insertAdjacentHTML('beforeend', '<img src=\"data:,\"><button></button>'); }"
    )
    rules = {v["rule"] for v in violations(page)}
    assert {"image-alt", "button-name"} <= rules, rules


def open_in(chromium: Any, live_server: Any, language: str) -> Any:
    context = chromium.new_context(
        base_url=live_server.url,
        locale=LANGUAGES[language],
        viewport={"width": 1280, "height": 900},
        bypass_csp=True,  # our CSP refuses inline scripts, axe's injection among them
    )
    return context, context.new_page()


def choose_language(page: Any, language: str) -> None:
    """The language is the person's choice (a cookie set by the switch), not the browser's."""
    page.goto("/signin/")
    if page.locator("html").get_attribute("lang") != language:
        page.locator("header form button").first.click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language


def sign_in(page: Any, username: str) -> None:
    page.goto("/signin/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    assert "/signin/" not in page.url, f"{username} was not signed in"


def check(page: Any, paths: list[str], failures: dict[str, Any], *, staff: bool = True) -> None:
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status < 500, path
        # A staff page read as its person, not the sign-in page it would send a stranger to.
        assert not staff or "/signin/" not in page.url, path
        found = violations(page)
        if found:
            failures[path] = found
        if wide := too_wide(page):
            failures[f"{path} (width)"] = wide


def too_wide(page: Any) -> list[dict[str, Any]]:
    """The widths at which the page scrolls sideways, with the widest elements."""
    out = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(OVERFLOW)
        if overflow["scroll"] > width:
            out.append(
                {"rule": f"scrolls sideways at {width} px", "impact": "", "help": "", **overflow}
            )
    page.set_viewport_size({"width": 1280, "height": 900})
    return out


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1 || e.getBoundingClientRect().left < -1)
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : ''));
  return {scroll: document.documentElement.scrollWidth, nodes: wide};
}"""


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_page_passes_axe(chromium: Any, live_server: Any, cast: Any, language: str) -> None:
    txn, ref = make_referred(cast, subject="طلب إفادة عن تعويض أرض في حي الروضة")
    make_transaction(cast, subject="معاملة سرية", confidentiality="confidential")
    # A letter through Wasl, delivered: its pages on both sides.
    members.init_node("NODE-T", "http://testserver")
    for entity in (cast.emk, cast.amanah):
        members.join(entity)
    sent = exchange.send_letter(
        cast.clerk.actor, unit=cast.registry, to=["AMN-JED"], subject="طلب إزالة تعديات"
    )
    delivery.deliver_due()
    (message,) = sent.messages
    received = IncomingMessage.objects.get(message_id=message.message_id).transaction
    assert received is not None
    context, page = open_in(chromium, live_server, language)
    failures: dict[str, Any] = {}
    try:
        choose_language(page, language)
        check(
            page,
            [
                "/signin/",
                "/inquiry/public/",
                f"/inquiry/public/?reference={txn.reference}&id_number=1058529940",
                "/kiosk/",
                f"/verify/{verification_code(txn)}/",
                "/verify/not-a-receipt/",
                "/no-such-page/",
            ],
            failures,
            staff=False,
        )
        sign_in(page, "clerk")
        check(
            page,
            [
                "/",
                "/inbox/",
                "/inbox/?box=overdue",
                "/inbox/?all=1",
                "/register/",
                f"/t/{txn.public_id}/",
                *(f"/t/{txn.public_id}/{step}/" for step in states.TRANSACTION_STEPS),
                "/inquiry/",
                "/inquiry/?q=تعويض",
                "/letters/",
                "/letters/send/",
                f"/letters/send/?from={txn.public_id}",
                f"/t/{sent.transaction.public_id}/",
                f"/x/{message.message_id}/receipt/",
            ],
            failures,
        )
        page.goto("/register/")
        page.locator("main button[type=submit]").first.click()
        page.wait_for_selector(".field__error")
        if found := violations(page) + too_wide(page):
            failures["/register/ with errors"] = found
        page.context.clear_cookies()
        choose_language(page, language)
        sign_in(page, "rights_clerk")
        check(page, [f"/r/{ref.public_id}/{step}/" for step in states.REFERRAL_STEPS], failures)
        page.context.clear_cookies()
        choose_language(page, language)
        sign_in(page, "outsider")
        check(
            page,
            [
                "/inbox/?box=incoming",
                f"/t/{received.public_id}/",
                f"/letters/send/?from={received.public_id}",
                f"/x/{message.message_id}/receipt/",
            ],
            failures,
        )
        page.context.clear_cookies()
        choose_language(page, language)
        sign_in(page, "executive")
        check(
            page,
            [
                "/dashboards/",
                "/dashboards/region/",
                "/dashboards/entity/EMK/",
                f"/dashboards/unit/{cast.rights.public_id}/",
                "/dashboards/person/rights_clerk/",
                "/dashboards/me/",
                "/dashboards/control-room/",
                "/dashboards/list/?scope=region&measure=open",
            ],
            failures,
        )
        page.context.clear_cookies()
        choose_language(page, language)
        sign_in(page, "admin")
        check(
            page,
            [
                "/administration/EMK/",
                "/administration/EMK/people/new/",
                "/administration/EMK/people/clerk/",
                "/administration/EMK/units/",
                f"/administration/EMK/units/{cast.rights.public_id}/",
                "/administration/EMK/calendar/",
                "/administration/EMK/due-times/",
                "/administration/EMK/keys/",
            ],
            failures,
        )
    finally:
        context.close()
    assert failures == {}, "\n".join(
        f"{path}: {v['rule']} ({v['impact']}) {v['help']}: {v['nodes']}"
        for path, found in failures.items()
        for v in found
    )


# Balagh 940 (#19): the public report page, closing with proof, the public and staff maps.
from tests.reports import conftest as reports_conftest  # noqa: E402


@pytest.fixture(name="municipal")
def _municipal(cast: Any) -> Any:
    """The amanahs, sub-municipalities, 940 categories and areas (tests/reports/conftest.py)."""
    return reports_conftest.Municipal(cast)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_940_pages_pass_axe(
    chromium: Any, live_server: Any, municipal: Any, language: str
) -> None:
    import json

    from django.test import Client

    def submit(token: str = "") -> str:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        response = Client().post(
            "/api/v1/reports",
            json.dumps(reports_conftest.report_data()),
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 201, response.content
        reference: str = response.json()["reference"]
        return reference

    open_ref, closed_ref = submit(), submit()
    reports_conftest.close_with_proof(municipal.inspector, closed_ref, "رُدمت الحفرة")
    # A report of the clerk's own, closed: its public page asks the clerk to confirm or reopen.
    own_ref = submit(municipal.cast.clerk.token)
    reports_conftest.close_with_proof(municipal.inspector, own_ref, "أُصلح العمود")
    context, page = open_in(chromium, live_server, language)
    failures: dict[str, Any] = {}
    try:
        choose_language(page, language)
        check(
            page,
            [
                "/reports/map/",
                "/reports/map/?status=open&since=2026-01-01",
                "/reports/map/?since=not-a-date",
                f"/reports/p/{open_ref}/",
                f"/reports/p/{closed_ref}/",
            ],
            failures,
            staff=False,
        )
        sign_in(page, "balad_inspector")
        check(
            page,
            [
                "/reports/staff/map/",
                f"/reports/close/{open_ref}/",
                f"/reports/close/{closed_ref}/",
            ],
            failures,
        )
        page.goto(f"/reports/close/{open_ref}/")
        page.locator("main button[type=submit]").first.click()
        page.wait_for_selector(".field__error")
        if found := violations(page) + too_wide(page):
            failures["/reports/close/ with errors"] = found
        page.context.clear_cookies()
        choose_language(page, language)
        sign_in(page, "clerk")
        page.goto(f"/reports/p/{own_ref}/")
        assert page.locator("textarea[name=reason]").count() == 1, "the reporter's forms"
        if found := violations(page) + too_wide(page):
            failures["/reports/p/ as its reporter"] = found
    finally:
        context.close()
    assert failures == {}, "\n".join(
        f"{path}: {v['rule']} ({v['impact']}) {v['help']}: {v['nodes']}"
        for path, found in failures.items()
        for v in found
    )
