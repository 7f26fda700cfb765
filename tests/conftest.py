"""A fixed cast, built through the real services.

- clerk, head: the Emirate's administrative communications (registry) unit
- rights_clerk, rights_head: the Emirate's rights administration
- executive, auditor, admin: entity-wide roles in the Emirate
- governor_office: a clerk in the Jeddah governorate
- outsider: a clerk of the Jeddah Amanah
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client, override_settings

from wasl.directory import services as directory
from wasl.directory.actors import Actor, actor_for
from wasl.directory.models import Unit
from wasl.directory.tokens import create_token
from wasl.registry import services as registry
from wasl.registry.models import Transaction

PASSWORD = "correct horse battery staple 1448"


@dataclass
class Person:
    user: Any
    token: str

    @property
    def actor(self) -> Actor:
        if hasattr(self.user, "_wasl_actor"):
            del self.user._wasl_actor
        return actor_for(self.user)

    @property
    def username(self) -> str:
        return self.user.username


class Cast:
    def __init__(self) -> None:
        emk, _ = directory.ensure_entity(
            code="EMK", kind="emirate", name_ar="إمارة منطقة مكة المكرمة", name_en="Emirate"
        )
        jed, _ = directory.ensure_entity(
            code="GOV-JED", kind="governorate", name_ar="محافظة جدة", name_en="Jeddah", parent=emk
        )
        amn, _ = directory.ensure_entity(
            code="AMN-JED", kind="amanah", name_ar="أمانة محافظة جدة", name_en="Jeddah Amanah"
        )
        self.emk, self.jed, self.amanah = emk, jed, amn
        self.registry, _ = directory.ensure_unit(
            entity=emk,
            code="REG",
            name_ar="الإدارة العامة للاتصالات الإدارية",
            name_en="Administrative Communications",
            is_registry=True,
        )
        self.rights, _ = directory.ensure_unit(
            entity=emk, code="RIGHTS", name_ar="الإدارة العامة للحقوق", name_en="Rights"
        )
        self.security, _ = directory.ensure_unit(
            entity=emk, code="SECURITY", name_ar="الإدارة العامة للشؤون الأمنية", name_en="Security"
        )
        self.jed_office, _ = directory.ensure_unit(
            entity=jed,
            code="REG",
            name_ar="الاتصالات الإدارية",
            name_en="Communications",
            is_registry=True,
        )
        self.amanah_registry, _ = directory.ensure_unit(
            entity=amn,
            code="REG",
            name_ar="الاتصالات الإدارية",
            name_en="Communications",
            is_registry=True,
        )
        self.clerk = self.person("clerk", "سعد", "الحربي", self.registry, "clerk")
        self.head = self.person("head", "فهد", "العتيبي", self.registry, "unit_head")
        self.rights_clerk = self.person("rights_clerk", "نورة", "الزهراني", self.rights, "clerk")
        self.rights_head = self.person("rights_head", "خالد", "القحطاني", self.rights, "unit_head")
        self.security_clerk = self.person(
            "security_clerk", "ماجد", "الشهري", self.security, "clerk"
        )
        self.executive = self.person("executive", "عبدالله", "المالكي", self.registry, "executive")
        self.auditor = self.person("auditor", "هند", "السبيعي", self.registry, "auditor")
        self.admin = self.person("admin", "تركي", "الدوسري", self.registry, "entity_admin")
        self.governor_office = self.person(
            "governor_office", "سلمان", "الغامدي", self.jed_office, "clerk"
        )
        self.outsider = self.person("outsider", "ريم", "الشمراني", self.amanah_registry, "clerk")

    def person(self, username: str, first: str, last: str, unit: Unit, role: str) -> Person:
        user, _ = directory.ensure_person(
            username=username, first_name=first, last_name=last, password=PASSWORD
        )
        directory.grant(user, unit, role)
        return Person(user=user, token=create_token(username))


@pytest.fixture
def cast(db: Any) -> Cast:
    return Cast()


def make_transaction(cast: Cast, by: Person | None = None, **overrides: Any) -> Transaction:
    fields: dict[str, Any] = {
        "unit": cast.registry,
        "direction": "incoming",
        "kind": "petition",
        "subject": "طلب إفادة عن معاملة تعويض أرض في حي الروضة",
        "body": "نرفق لكم معروض المواطن بشأن تعويض أرضه المنزوعة لصالح مشروع الطريق.",
        "party": registry.Party(type="citizen", name="محمد بن علي الحربي", id_number="1058529940"),
    }
    fields.update(overrides)
    return registry.register_transaction((by or cast.clerk).actor, **fields)


def make_referred(cast: Cast, to: Unit | None = None, **overrides: Any) -> tuple[Transaction, Any]:
    txn = make_transaction(cast, **overrides)
    (ref,) = registry.refer(
        cast.clerk.actor, txn.public_id, to_units=[to or cast.rights], instruction="للإفادة"
    )
    return txn, ref


class Api:
    """The API as a person uses it: a bearer token, JSON in and out."""

    def __init__(self, person: Person | None) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {person.token}"} if person else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get("/api/v1" + path, params, **self.headers)

    def post(self, path: str, data: Any = None, raw: str | bytes | None = None) -> Any:
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return self.client.post(
            "/api/v1" + path, body, content_type="application/json", **self.headers
        )

    def upload(self, path: str, **files: Any) -> Any:
        return self.client.post("/api/v1" + path, files, **self.headers)


@pytest.fixture
def api() -> Any:
    return Api


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # Argon2 is slow by design; the tests check rights, not hashing strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_process_caches() -> None:
    """Each test starts with the per-process copies (holidays, entity and unit names, the
    exchange's system actors) empty, as a new worker process would: a copy left by an earlier
    test would be of rows rolled back since, and one that expires in the middle of a test
    would add a query to a count that tests the query plan."""
    from wasl.exchange import receiving
    from wasl.inquiry import names
    from wasl.registry import calendar

    calendar.forget_holidays()
    names.forget()
    receiving.forget_system_actors()


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def pytest_configure(config: pytest.Config) -> None:
    """The tests never run `collectstatic`: pages name static files by their plain names and
    WhiteNoise finds them in the apps' folders, as in development (Django's advice for its
    manifest storage). tests/server proves the hashed names under `wasl serve`. Set before
    collection: test modules build the WSGI application when imported."""
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(
        STORAGES={**django_settings.STORAGES, "staticfiles": plain},
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
    ).enable()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Any:
    """Debian's Chromium driven by Playwright. Missing Chromium is a failure, never a skip."""
    import os

    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Chromium is missing: apt-get install chromium"
    # Playwright's sync API runs an event loop in this thread; Django refuses database
    # calls from a thread with a running loop unless told this is deliberate.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Any:
    """A fresh browser page (Arabic, tablet-to-desktop width) against the live test server."""
    context = chromium.new_context(
        base_url=live_server.url, locale="ar-SA", viewport={"width": 1280, "height": 900}
    )
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(autouse=True, scope="session")
def tasks_run_inline() -> Any:
    """Tasks run in the test's process when enqueued (the processes of tests/exchange/nodes.py
    run the real worker on the database backend)."""
    from django.test.utils import override_settings

    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ):
        yield


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # `make audit-security` asks for the security probes' table (tests/security/report.py).
    import os

    from .security import report

    path = os.environ.get("WASL_SECURITY_TABLE")
    if path and report.has_figures():
        text = report.table(connection.vendor, "make audit-security")
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        print("\n" + text)
