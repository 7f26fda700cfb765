"""Relevance on a small fixture: each query must find its transaction in the top ten; the
measure (recall@10 and MRR) is the same one the benchmark prints on a million."""

from __future__ import annotations

from typing import Any

from tests.conftest import make_transaction
from wasl.inquiry import queries
from wasl.registry.services import Party

DOCUMENTS = {
    "compensation": ("طلب صرف تعويض عن أرض منزوعة لصالح مشروع طريق في حي النزهة", ""),
    "permit": ("شكوى من تأخر إصدار رخصة بناء لمنزل في مخطط الفيصلية", ""),
    "official": ("تكليف مسؤول عن متابعة شئون الموظفين بمحافظة رابغ", ""),
    "leak": ("بلاغ عن تسرب مياه الصرف الصحي في حي السلامة", "يبلغ المواطن ضيف الله العتيبي."),
    "fine": ("طلب إعفاء من غرامة مخالفة بلدية على محل تجاري", "تطلب مؤسسة أنوار الحرم الإعفاء."),
    "school": ("طلب صيانة مدرسة البنات الابتدائية في حي الروضة", ""),
    "hospital": ("تشغيل مستشفى الولادة والأطفال بمحافظة الجموم", ""),
    "prisoners": ("طلب الإفراج عن السجناء المعسرين بمناسبة العيد", ""),
}
# Distractors sharing words with the documents above.
DISTRACTORS = [
    "طلب صرف مستحقات مالية",
    "طلب رخصة محل تجاري",
    "تعويضات الموظفين عن العمل الإضافي",
    "بلاغ عن مخالفة بناء",
    "صيانة طريق حي النزهة",
    "طلب مياه لمنزل في مخطط الفيصلية",
    "شكوى من تأخر صرف مستحقات",
    "مخالفات المحلات التجارية في حي السلامة",
]
QUERIES = [
    ("تعويض الأراضي النزهه", "compensation"),
    ("تعويضات أرض", "compensation"),
    ("رخص البناء الفيصلية", "permit"),
    ("الرخصه منزل", "permit"),
    ("مسئول شؤون الموظفين", "official"),
    ("تسرب المياه", "leak"),
    ("ضيفالله العتيبي", "leak"),
    ("اعفاء الغرامه", "fine"),
    ("مخالفات بلدية", "fine"),
    ("أنوار الحرم", "fine"),
    ("صيانة المدارس", "school"),
    ("مستشفيات الجموم", "hospital"),
    ("سجين معسر", "prisoners"),
    ("الإفراج عن السجناء", "prisoners"),
]


def test_recall_at_ten_is_complete_and_exact_matches_come_first(cast: Any) -> None:
    made = {
        name: make_transaction(
            cast, subject=subject, body=body, party=Party(type="none"), direction="internal"
        )
        for name, (subject, body) in DOCUMENTS.items()
    }
    for subject in DISTRACTORS:
        make_transaction(
            cast, subject=subject, body="", party=Party(type="none"), direction="internal"
        )
    ranks = []
    for query, name in QUERIES:
        found = [
            h.transaction.pk for h in queries.search(cast.clerk.actor, query, per_page=10).hits
        ]
        ranks.append(found.index(made[name].pk) + 1 if made[name].pk in found else None)
    recall = sum(1 for r in ranks if r) / len(ranks)
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    assert recall == 1.0, list(zip(QUERIES, ranks, strict=True))
    assert mrr >= 0.85, list(zip(QUERIES, ranks, strict=True))
