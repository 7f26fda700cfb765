"""Bad input never breaks a page: every form of the workspace, sent nonsense in every field
(with its real one-time token, so that it reaches the services), answers with the form again,
a 4xx or a redirect after a step that took the nonsense as fair text, never a server error."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from tests.conftest import make_referred
from tests.web.conftest import signed_in
from wasl.registry.models import Transaction

NONSENSE = [
    "",
    " ",
    "\x00",
    "a" * 30_000,
    "<script>alert(1)</script>",
    "abc\u202edcba",
    "١٢٣٤٥٦٧٨٩٠١٢٣",
    "-1",
    "99999999999999999999999",
    "1448/13/40",
    "0000-00-00",
    "../../etc/passwd",
]


def fields_of(html: str) -> set[str]:
    names = set(re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', html))
    return names - {"csrfmiddlewaretoken"}


def test_every_form_survives_nonsense_in_every_field(cast: Any) -> None:
    txn, ref = make_referred(cast)
    clerk, rights = signed_in(cast.clerk), signed_in(cast.rights_clerk)
    forms = [
        (clerk, "/register/"),
        (clerk, "/inbox/"),
        *[(clerk, f"/t/{txn.public_id}/{s}/") for s in ("refer", "comment", "link", "close")],
        *[(rights, f"/r/{ref.public_id}/{s}/") for s in ("answer", "return", "forward")],
        (clerk, "/unit/"),
    ]
    pages = {path: c.get(path).content.decode() for c, path in forms}
    fields = {path: fields_of(html) or {"unit"} for path, html in pages.items()}
    # The forms' own tokens are kept, so that the nonsense reaches the services too.
    tokens = {
        path: m.group(1)
        for path, html in pages.items()
        if (m := re.search(r'name="form_token" value="([^"]+)"', html))
    }
    for value in NONSENSE:
        for client, path in forms:
            data = dict.fromkeys(fields[path] | {"next"}, value)
            if path in tokens:
                data["form_token"] = tokens[path]
            sent = client.get(path, data) if path == "/inbox/" else client.post(path, data)
            assert sent.status_code in (200, 302, 400, 403, 409), (value[:20], path, sent)
        stranger = Client()
        signin = stranger.post("/signin/", {"username": value, "password": value, "next": value})
        assert signin.status_code == 200, value[:20]
        switched = stranger.post("/language/", {"language": value, "next": value})
        assert switched.status_code == 302, value[:20]
    # Nonsense registered nothing (the register form refuses it all), though some of it is
    # fair text for a comment or an answer.
    assert Transaction.objects.count() == 1
