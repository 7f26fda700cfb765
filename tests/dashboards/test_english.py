"""With English chosen, the dashboards read in English: names of entities, units and months,
periods and dates (Hijri and Gregorian, in English). Arabic left on an English dashboard, other
than what people typed and their names, is a string someone forgot to translate."""

from __future__ import annotations

from typing import Any

from tests.conftest import make_referred
from tests.web.conftest import signed_in
from tests.web.test_english import arabic_left, english, english_transaction
from wasl.registry import services as registry


def test_every_dashboard_reads_in_english(cast: Any) -> None:
    txn = english_transaction(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="Study")
    make_referred(cast, subject="Another matter")
    executive = english(signed_in(cast.executive))
    pages = [
        "/dashboards/region/",
        "/dashboards/region/?calendar=gregorian",
        "/dashboards/entity/EMK/",
        f"/dashboards/unit/{cast.rights.public_id}/",
        "/dashboards/person/rights_clerk/",
        "/dashboards/person/executive/",
        "/dashboards/control-room/",
        "/dashboards/list/?scope=region&measure=open",
        f"/dashboards/list/?scope=unit:{cast.rights.public_id}&item=r&measure=open",
    ]
    leaks = {}
    for path in pages:
        response = executive.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert '<html lang="en" dir="ltr">' in html, path
        html = html.replace(cast.executive.user.get_full_name(), "").replace("Another matter", "")
        if found := arabic_left(html, cast):
            leaks[path] = sorted(set(found))
    assert leaks == {}, "\n".join(f"{path}: {' '.join(words)}" for path, words in leaks.items())
