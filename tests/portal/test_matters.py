"""My matters: every matter of the signed-in person, in every entity, as the public inquiry
tells it; their own documents, and nobody else's."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.conftest import Cast, make_transaction
from tests.security.report import record
from wasl.registry import services as registry

from .conftest import CITIZEN, CITIZEN_2, sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def attach(cast: Cast, txn: Any, by: Any = None, name: str = "papers.pdf") -> Any:
    return registry.add_attachment(
        (by or cast.clerk).actor, txn.public_id, chunks=[PDF], filename=name
    )


def test_the_page_lists_the_persons_matters_in_every_entity_and_no_one_elses(
    cast: Cast, matters: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = Client()
    sign_in(client, CITIZEN.subject)
    # Session, person, transactions, open referrals, documents, documents asked of the
    # person (and the session's save).
    with django_assert_max_num_queries(8):
        page = client.get("/portal/matters/")
    text = page.content.decode()
    for name in ("mine", "elsewhere", "secret"):
        assert matters[name].reference in text, name
    assert matters["other"].reference not in text
    assert "طلب تعويض عن أرض منزوعة" in text and "طلب رخصة بناء" in text
    assert "أمانة محافظة جدة" in text  # the other entity
    # the portal's navigation reaches every service it offers
    for href in ("/portal/matters/", "/portal/services/", "/portal/jalsa/", "/reports/new/"):
        assert f'href="{href}"' in text, href


def test_query_count_does_not_grow_with_matters(
    cast: Cast, matters: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = Client()
    sign_in(client, CITIZEN.subject)
    client.get("/portal/matters/")
    for _ in range(5):
        registry.refer(
            cast.clerk.actor,
            registry.register_transaction(
                cast.clerk.actor,
                unit=cast.registry,
                direction="incoming",
                kind="petition",
                subject="طلب آخر",
                party=registry.Party(type="citizen", name="x", id_number=CITIZEN.id_number),
            ).public_id,
            to_units=[cast.rights],
            instruction="للإفادة",
        )
    with django_assert_max_num_queries(8):
        assert client.get("/portal/matters/").content.decode().count("card portal-matter") == 8


def test_a_confidential_matter_shows_only_what_the_public_inquiry_shows(
    cast: Cast, matters: dict[str, Any]
) -> None:
    registry.refer(
        cast.clerk.actor, matters["secret"].public_id, to_units=[cast.security], instruction="x"
    )
    registry.refer(
        cast.clerk.actor, matters["mine"].public_id, to_units=[cast.rights], instruction="x"
    )
    client = Client()
    sign_in(client, CITIZEN.subject)
    text = client.get("/portal/matters/").content.decode()
    assert "بلاغ سري عن مخالفة" not in text  # no subject
    assert "الإدارة العامة للشؤون الأمنية" not in text  # no unit
    assert "الإدارة العامة للحقوق" in text  # the normal one's unit, as the public inquiry says
    assert matters["secret"].reference in text


def test_the_page_is_complete_in_english(cast: Cast, matters: dict[str, Any]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    sign_in(client, CITIZEN.subject)
    text = client.get("/portal/matters/").content.decode()
    assert "My matters" in text and "Next step" in text and "Jeddah Amanah" in text
    assert "Registered; being studied." in text


def test_own_documents_download_and_others_do_not(cast: Cast, matters: dict[str, Any]) -> None:
    own = attach(cast, matters["mine"])
    internal = attach(cast, matters["mine"], by=cast.head, name="internal-memo.pdf")
    secret = attach(cast, matters["secret"])
    someone_elses = attach(cast, matters["other"])
    client = Client()
    sign_in(client, CITIZEN.subject)
    text = client.get("/portal/matters/").content.decode()
    assert own.filename in text and "internal-memo.pdf" not in text
    answer = client.get(f"/portal/documents/{own.public_id}/")
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == PDF
    assert "attachment" in answer["Content-Disposition"]
    leaks = 0
    refused = [internal, secret, someone_elses]
    for att in refused:
        got = client.get(f"/portal/documents/{att.public_id}/")
        leaks += got.status_code == 200
        assert got.status_code == 404
    # The owner of the other matter gets theirs; a signed-out visitor nothing.
    other = Client()
    sign_in(other, CITIZEN_2.subject)
    theirs = other.get(f"/portal/documents/{someone_elses.public_id}/")
    assert theirs.status_code == 200
    b"".join(theirs.streaming_content)  # read to the end, which closes the file
    assert other.get(f"/portal/documents/{own.public_id}/").status_code == 404
    assert Client().get(f"/portal/documents/{own.public_id}/").status_code == 302
    record("portal: documents of other matters", attempts=len(refused) + 1, leaks=leaks)


def test_a_person_sees_only_their_own_matters(cast: Cast, matters: dict[str, Any]) -> None:
    other = Client()
    sign_in(other, CITIZEN_2.subject)
    text = other.get("/portal/matters/").content.decode()
    leaked = sum(matters[k].reference in text for k in ("mine", "secret", "elsewhere"))
    assert matters["other"].reference in text
    assert leaked == 0
    record("portal: one person's matters to another", attempts=3, leaks=leaked)


def test_signed_out_visitors_are_sent_to_sign_in(db: Any) -> None:
    answer = Client().get("/portal/matters/")
    assert answer.status_code == 302 and answer["Location"] == "/portal/"


def test_staff_signed_in_are_not_citizens(cast: Cast, matters: dict[str, Any]) -> None:
    client = Client()
    assert client.login(username="clerk", password="correct horse battery staple 1448")
    assert client.get("/portal/matters/").status_code == 302


def test_my_matters_shows_what_is_asked_while_the_matter_is_open(cast: Cast) -> None:
    txn = make_transaction(
        cast,
        party=registry.Party(type="citizen", name=CITIZEN.name_ar, id_number=CITIZEN.id_number),
    )
    client = Client()
    sign_in(client, CITIZEN.subject)
    assert "صورة صك الملكية مصدقة" not in client.get("/portal/matters/").content.decode()
    registry.request_document(cast.clerk.actor, txn.public_id, document="صورة صك الملكية مصدقة")
    page = client.get("/portal/matters/").content.decode()
    assert "صورة صك الملكية مصدقة" in page and "مطلوب منك مستند" in page
    english = client.get("/portal/matters/", HTTP_ACCEPT_LANGUAGE="en")
    registry.close(cast.clerk.actor, txn.public_id, reason="استوفيت")
    assert "صورة صك الملكية مصدقة" not in client.get("/portal/matters/").content.decode()
    assert english.status_code == 200
