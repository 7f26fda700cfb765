"""Demo only: a one-time code to a demo phone as another way in; never in production."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from tests.security.report import record
from wasl.portal.models import DemoTextMessage, OneTimeCode

from .conftest import CITIZEN, RESIDENT


def ask_code(client: Client, id_number: str) -> Any:
    return client.post("/portal/signin/code/", {"step": "id", "id_number": id_number})


def last_code() -> str:
    text = DemoTextMessage.objects.latest("created_at", "id").body
    match = re.search(r"\b(\d{6})\b", text)
    assert match
    return match.group(1)


def test_a_demo_person_signs_in_with_the_code_on_the_demo_phone(db: Any) -> None:
    client = Client()
    answer = ask_code(client, CITIZEN.id_number)
    assert answer.status_code == 200
    assert CITIZEN.phone[-4:] in answer.content.decode()
    phone = client.get("/portal/demo-phone/").content.decode()
    code = last_code()
    assert code in phone
    done = client.post("/portal/signin/code/", {"step": "code", "code": code})
    assert done.status_code == 302 and done["Location"] == "/portal/matters/"
    assert client.get("/portal/matters/").status_code == 200
    # Used once.
    again = Client()
    ask_code(again, CITIZEN.id_number)
    assert again.post("/portal/signin/code/", {"step": "code", "code": code}).status_code == 400


def test_arabic_digits_are_read(db: Any) -> None:
    client = Client()
    arabic = CITIZEN.id_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert ask_code(client, arabic).status_code == 200


def test_wrong_codes_stop_after_five_attempts(db: Any) -> None:
    client = Client()
    ask_code(client, RESIDENT.id_number)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    answers = [
        client.post("/portal/signin/code/", {"step": "code", "code": wrong}) for _ in range(5)
    ]
    assert all(a.status_code == 400 for a in answers)
    text = answers[0].content.decode()
    assert "الرمز غير صحيح" in text and "The code is wrong" in text
    # The right code no longer opens the account once five attempts failed.
    late = client.post("/portal/signin/code/", {"step": "code", "code": code})
    assert late.status_code == 400
    record(
        "portal: demo code guessing",
        attempts=6,
        leaks=int(client.get("/portal/matters/").status_code == 200),
    )


def test_a_malformed_id_and_an_unknown_one_are_refused_next_to_the_field(db: Any) -> None:
    bad = ask_code(Client(), "1234567890")
    assert bad.status_code == 400 and "check digit" in bad.content.decode()
    assert 'aria-invalid="true"' in bad.content.decode()
    unknown = ask_code(Client(), "1000000008")
    assert unknown.status_code == 400 and "demo phone" in unknown.content.decode()
    assert OneTimeCode.objects.count() == 0


def test_codes_are_limited_per_number(db: Any) -> None:
    client = Client()
    statuses = [ask_code(client, CITIZEN.id_number).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_codes_do_not_exist_when_turned_off(db: Any, settings: Any) -> None:
    settings.WASL_PORTAL_DEMO_CODES = False
    assert Client().get("/portal/signin/code/").status_code == 404
    assert ask_code(Client(), CITIZEN.id_number).status_code == 404
    assert Client().get("/portal/demo-phone/").status_code == 404
    assert "/portal/signin/code/" not in Client().get("/portal/").content.decode()


def test_production_turns_codes_off_whatever_the_variable_says() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PRODUCTION": "1", "WASL_PORTAL_DEMO_CODES": "1"}
    env.pop("DATABASE_URL", None)
    env.setdefault("SECRET_KEY", "x" * 60)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from wasl import settings; print(settings.WASL_PORTAL_DEMO_CODES, "
            "repr(settings.WASL_OIDC_ISSUER))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False ''"
