"""Every number on every dashboard page is a link to the list behind it, and that list holds
exactly as many items as the number says (for a reader who may open all of them)."""

from __future__ import annotations

import html as htmllib
import re

from .test_pages import NOV, signed_in

# A link whose whole text is a number (bars, tables, the trend's months).
NUMBER_LINK = re.compile(r'<a href="(/dashboards/list/\?[^"]+)"(?P<attrs>[^>]*)>\s*(\d+)\s*</a>')
# A card: the link holds a label and the number.
CARD = re.compile(
    r'<a class="dash-card[^"]*" href="(/dashboards/list/\?[^"]+)" data-measure="(\w+)">\s*'
    r'<span class="dash-card__label">[^<]*</span>\s*<span class="dash-card__value">([^<]*)</span>'
)
COUNTS = ("received", "completed", "open", "overdue")


def numbers_on(html: str) -> set[tuple[str, int]]:
    """(list address, number shown) for every count on the page; rates and medians (marked
    data-derived, or cards of a rate or a time) link to the completed list but are not
    counts of it."""
    found = set()
    for url, attrs, number in NUMBER_LINK.findall(html):
        if "data-derived" not in attrs:
            found.add((htmllib.unescape(url), int(number)))
    for url, key, value in CARD.findall(html):
        if key in COUNTS:
            found.add((htmllib.unescape(url), int(value)))
    return found


def count_of(client, url: str) -> tuple[int, int | None]:
    page = client.get(url)
    assert page.status_code == 200, url
    text = page.content.decode()
    count = re.search(r'data-count="(\d+)"', text)
    figure = re.search(r'data-figure="(\d+)"', text)
    assert count, url
    return int(count.group(1)), None if figure is None else int(figure.group(1))


def test_every_number_on_every_page_opens_a_list_of_exactly_that_many(cast, month):
    client = signed_in(cast.executive)
    # Every scope; the other periods on the pages of the busiest scope. (The registry unit's
    # and the clerk's pages repeat the entity's transactions: left out to keep the test fast.)
    pages = [
        f"/dashboards/region/?{NOV}",
        f"/dashboards/entity/EMK/?{NOV}",
        f"/dashboards/unit/{cast.rights.public_id}/?{NOV}",
        f"/dashboards/person/{cast.rights_clerk.username}/?{NOV}",
        "/dashboards/entity/EMK/?from=2025-11-02&to=2025-11-06",
        "/dashboards/entity/EMK/?period=1447-05",
    ]
    checked = nonzero = 0
    counted: dict[str, tuple[int, int | None]] = {}
    for address in pages:
        response = client.get(address)
        assert response.status_code == 200, address
        numbers = numbers_on(response.content.decode())
        assert len(numbers) > 10, address
        for url, number in sorted(numbers):
            if number == 0 and "entity/EMK/?period=2025-11" not in address:
                continue  # the zeros of one page are enough (keeps the test fast)
            if url not in counted:
                counted[url] = count_of(client, url)
            count, figure = counted[url]
            assert count == number, (address, url, number, count)
            if figure is not None:
                assert figure == number, (address, url, number, figure)
            checked += 1
            nonzero += number > 0
    print(f"{checked} numbers, {len(counted)} lists")
    assert checked > 150 and nonzero > 100


def test_a_completion_time_bar_lists_the_items_that_took_that_long(cast, month):
    client = signed_in(cast.executive)
    url = f"/dashboards/list/?scope=entity:EMK&item=t&measure=completed&days=4&{NOV}"
    html = client.get(url).content.decode()
    assert 'data-count="1"' in html
    assert month.t1.reference in html and month.t2.reference not in html
    assert client.get(url.replace("days=4", "days=5")).content.decode().count(month.t2.reference)
    for bad in ("days=abc", "days=61", "days=-1"):
        assert client.get(url.replace("days=4", bad)).status_code == 404, bad
    assert (
        client.get(url.replace("measure=completed", "measure=open")).status_code == 404
    )  # days only make sense for what was completed


def test_the_list_behind_a_region_figure_hides_what_its_reader_may_not_open(cast, month, clock):
    from datetime import date

    from tests.conftest import make_transaction

    clock.at(date(2025, 11, 10))
    make_transaction(cast, by=cast.governor_office, unit=cast.jed_office)
    clock.at(date(2025, 11, 20))
    client = signed_in(cast.executive)
    html = client.get(f"/dashboards/region/?{NOV}").content.decode()
    url = f"/dashboards/list/?scope=region&item=t&measure=received&{NOV}"
    assert (url, 7) in numbers_on(html)
    count, figure = count_of(client, url)
    # The Emirate's executive opens the Emirate's six; the seventh is the governorate's.
    assert (count, figure) == (6, 7)
