"""One query set for the inquiry: documents worded as transactions are, and queries typed as
people type them, each with the document it must find.

Used by the tests (tests/inquiry/test_query_set.py, on SQLite and PostgreSQL) and by
`make bench-search-quality` (bench/search_quality.py), which also runs the Lucene Arabic
analyzer's rules on the same documents. Queries may name the target's numbers, filled in once
it is registered: {ref} (EMK-1448-000012), {ref_lower_compact} (emk1448000012), {ref_ar}
(Arabic-Indic digits), {ref_short} (1448/12, the entity left out), {id}, {id_ar}, {id_spaced},
{phone}, {phone_intl}.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Doc:
    key: str
    subject: str
    body: str = ""
    party: str = ""  # a citizen's or resident's name
    id_prefix: str = ""  # nine digits; the check digit is added
    phone: str = ""


DOCUMENTS = [
    Doc(
        "land",
        "طلب صرف تعويض عن أرض منزوعة الملكية لصالح مشروع طريق الملك عبدالعزيز",
        "يطلب المواطن صرف التعويض المستحق عن أرضه الواقعة في حي الشرائع.",
        "سعد بن محمد القرني",
        "105852994",
        "0551234567",
    ),
    Doc(
        "permit",
        "شكوى من تأخر إصدار رخصة بناء لمنزل في مخطط الفيصلية",
        "تقدم المواطن بطلب رخصة بناء منذ ستة أشهر دون رد من البلدية.",
        "فهد بن عبدالله العمري",
        "104412345",
    ),
    Doc(
        "official",
        "تكليف مسؤول مؤقت لإدارة شؤون الموظفين بمحافظة رابغ",
        "بناءً على ما تقتضيه مصلحة العمل يكلف مسؤول مؤقت حتى تعيين مدير.",
    ),
    Doc(
        "beach",
        "بلاغ عن تلوث الشاطئ الشمالي بمحافظة الليث",
        "رصد المواطنون مخلفات نفطية على الشاطئ قرب مرسى الصيادين.",
    ),
    Doc(
        "violation",
        "اعتراض على مخالفة بلدية لمحل تجاري في حي العزيزية",
        "تعترض مؤسسة أنوار الحرم التجارية على الغرامة المفروضة عليها.",
    ),
    Doc("school", "طلب صيانة مدرسة البنات الابتدائية الثالثة في حي الروضة"),
    Doc("hospital", "تشغيل مستشفى الولادة والأطفال بمحافظة الجموم"),
    Doc("prisoners", "طلب الإفراج عن السجناء المعسرين بمناسبة شهر رمضان"),
    Doc("water", "بلاغ عن انقطاع المياه عن حي النسيم منذ ثلاثة أيام"),
    Doc(
        "sewage",
        "بلاغ عن تسرب مياه الصرف الصحي في حي السلامة",
        "يبلغ المواطن ضيف الله العتيبي عن طفح المجاري أمام منزله.",
        "ضيف الله العتيبي",
        "103344556",
        "0509876543",
    ),
    Doc("drainage", "متابعة تنفيذ مشروع تصريف مياه الأمطار في محافظة القنفذة"),
    Doc("circular", "تعميم بشأن مواعيد الدوام الرسمي خلال شهر رمضان"),
    Doc("committee", "تشكيل لجنة لحصر الأراضي الحكومية المعتدى عليها في محافظة خليص"),
    Doc("budget", "طلب اعتماد مناقلة في بنود ميزانية الإدارة العامة للتعليم"),
    Doc("contract", "تمديد عقد صيانة الطرق مع مؤسسة البناء الحديث للمقاولات"),
    Doc(
        "residence",
        "طلب تجديد إقامة عامل منزلي من الجنسية الفلبينية",
        "يطلب الكفيل تجديد إقامة العامل المنزلي المنتهية.",
        "خوسيه سانتوس",
        "234567891",
    ),
    Doc("mosque", "طلب ترميم جامع الحي القديم في مركز الشعيبة"),
    Doc("digging", "شكوى من الحفريات في طريق الأمير ماجد أمام مركز التسوق"),
    Doc("markets", "طلب تنظيم أسواق النفع العام في محافظة الكامل"),
    Doc("dam", "تقرير عن حالة سد وادي فاطمة بعد السيول الأخيرة"),
    Doc("dogs", "شكوى من تجمع الكلاب الضالة قرب مدرسة البنين في حي الزاهر"),
    Doc("fire", "تقرير حادث حريق في مستودع تجاري بالمنطقة الصناعية"),
    Doc(
        "heirs",
        "طلب حصر ورثة المتوفى عبدالرحمن بن صالح الغامدي",
        "تتقدم أسرة المتوفى بطلب حصر الورثة وإثبات الوفاة.",
        "صالح بن عبدالرحمن الغامدي",
        "106677889",
    ),
    Doc("grant", "طلب منحة أرض سكنية لأسرة الشهيد في محافظة الطائف"),
    Doc("power", "طلب إيصال التيار الكهربائي لمزرعة في وادي نعمان"),
    Doc("signal", "اقتراح إنشاء إشارة مرور عند تقاطع شارع الستين مع شارع المنصور"),
    Doc("barber", "طلب تجديد ترخيص محل حلاقة رجالية في حي الهنداوية"),
    Doc("pilgrims", "خطة تفويج الحجاج عبر منفذ الشميسي خلال موسم الحج"),
    Doc("passport", "طلب إصدار جواز سفر لمواطن مقيم خارج المملكة"),
    Doc(
        "visa",
        "Request for visa support for a visiting consultant",
        "طلب دعم تأشيرة زيارة للمستشار الزائر من شركة Siemens للطاقة.",
    ),
    Doc("survey", "طلب مسح ميداني لحدود أرض زراعية في وادي الليمون"),
    Doc("noise", "شكوى من إزعاج ورشة سيارات في حي الرصيفة"),
    Doc("cemeteries", "عقد نظافة المقابر في محافظة جدة"),
    Doc("salaries", "تأخر صرف رواتب المعلمين المتعاقدين"),
    Doc("parks", "طلب تطوير الحدائق العامة في حي المروة"),
    Doc("wells", "طلب حفر آبار ارتوازية للقرى الجبلية في ميسان"),
    Doc("bridge", "صيانة جسر المشاة على طريق الحرمين"),
    Doc("traffic_fines", "طلب إعفاء من غرامات مخالفات مرورية متراكمة"),
    Doc("transfer", "طلب نقل موظف من إدارة الأحوال المدنية إلى فرع مكة المكرمة"),
    Doc("hotel", "تصنيف فندق جديد في المنطقة المركزية قرب الحرم"),
    Doc("quarry", "إيقاف كسارة مخالفة في وادي عرنة"),
]

# Transactions sharing the common words of the documents above.
DISTRACTORS = [
    "طلب إفادة عن معاملة تعويض أرض في حي الروضة",
    "طلب صرف مستحقات مالية متأخرة",
    "طلب رخصة محل تجاري",
    "تعويضات الموظفين عن العمل الإضافي",
    "بلاغ عن مخالفة بناء في حي العزيزية",
    "صيانة طريق حي النسيم",
    "طلب مياه لمنزل في مخطط الفيصلية",
    "شكوى من تأخر الرد على معاملة",
    "مخالفات المحلات التجارية في حي السلامة",
    "طلب صيانة مبنى الإدارة",
    "تقرير شهري عن أعمال البلدية",
    "محضر اجتماع لجنة المشاريع",
    "تعميم بشأن الإجازات الرسمية",
    "طلب نقل معلمة إلى مدرسة أخرى",
    "بلاغ عن حريق في منزل",
    "شكوى من انقطاع الكهرباء",
    "طلب تجديد عقد إيجار مبنى المدرسة",
    "خطاب شكر للعاملين في موسم الحج",
    "طلب مساعدة مالية لأسرة محتاجة",
    "مشروع تطوير الواجهة البحرية",
    "طلب صيانة مسجد الحي",
    "طلب تجديد ترخيص مؤسسة",
    "شكوى من تأخر صرف مستحقات",
    "طلب منحة دراسية",
    "تقرير عن أعمال الصيانة في المدارس",
]

# (query as typed, the document it must find, what it tries)
QUERIES: list[tuple[str, str, str]] = [
    # Words as they are, whole or in part
    ("تعويض أرض طريق الملك عبدالعزيز", "land", "exact"),
    ("رخصة بناء الفيصلية", "permit", "exact"),
    ("تلوث الشاطئ", "beach", "exact"),
    ("مستشفى الولادة", "hospital", "exact"),
    ("انقطاع المياه النسيم", "water", "exact"),
    ("تصريف مياه الأمطار", "drainage", "exact"),
    ("حصر الأراضي المعتدى عليها", "committee", "exact"),
    ("مناقلة ميزانية", "budget", "exact"),
    ("الكلاب الضالة", "dogs", "exact"),
    ("حريق مستودع", "fire", "exact"),
    ("تفويج الحجاج", "pilgrims", "exact"),
    ("جواز سفر", "passport", "exact"),
    ("حلاقة رجالية", "barber", "exact"),
    ("كسارة", "quarry", "exact"),
    # A word too many: a town, a district, a word left over
    ("تعويض أرض طريق الملك عبدالعزيز جدة", "land", "extra word"),
    ("رخصة بناء منزل الفيصلية جدة", "permit", "extra word"),
    ("تلوث الشاطئ الجنوبي الليث", "beach", "extra word"),
    ("صيانة مدرسة البنات حي الروضة بجدة", "school", "extra word"),
    ("سد وادي فاطمة السيول الامطار", "dam", "extra word"),
    ("كلاب ضالة حي الزاهر مكة", "dogs", "extra word"),
    ("ترميم جامع الشعيبة القديم الكبير", "mosque", "extra word"),
    ("الحفريات طريق الأمير ماجد جدة", "digging", "extra word"),
    ("اسواق النفع العام الكامل خليص", "markets", "extra word"),
    ("حفر ابار ارتوازية ميسان الطائف", "wells", "extra word"),
    ("جسر المشاة طريق الحرمين جدة", "bridge", "extra word"),
    ("اعفاء غرامات مرورية متراكمة المرور", "traffic_fines", "extra word"),
    ("منحة ارض سكنية اسرة الشهيد الطائف مكة", "grant", "extra word"),
    # A word left out, or only a few
    ("تسرب الصرف الصحي", "sewage", "missing words"),
    ("مستشفى الأطفال الجموم", "hospital", "missing words"),
    ("الإفراج السجناء", "prisoners", "missing words"),
    ("لجنة حصر الأراضي خليص", "committee", "missing words"),
    ("عقد صيانة الطرق", "contract", "missing words"),
    ("ورشة سيارات ازعاج", "noise", "missing words"),
    ("نظافة المقابر", "cemeteries", "missing words"),
    ("تطوير الحدائق المروة", "parks", "missing words"),
    # Hamza seats: on their seat, bare, or on the line
    ("موقت شوون الموظفين", "official", "hamza"),
    ("مسئول مؤقت رابغ", "official", "hamza"),
    ("تلوث الشاطي", "beach", "hamza"),
    ("الشاطىء الشمالي", "beach", "hamza"),
    ("اصدار رخصه بناء", "permit", "hamza"),
    ("الافراج عن السجناء", "prisoners", "hamza"),
    ("اقامة عامل منزلي", "residence", "hamza"),
    ("انشاء اشارة مرور", "signal", "hamza"),
    ("ايصال التيار الكهربائي", "power", "hamza"),
    ("اعتراض مخالفة مؤسسة انوار الحرم", "violation", "hamza"),
    ("إيقاف كساره", "quarry", "hamza"),
    ("مسؤول شئون الموظفين", "official", "hamza"),
    # Taa marbuta and alef maqsura
    ("مخالفه بلديه العزيزيه", "violation", "ta marbuta"),
    ("مدرسه البنات الابتدائيه", "school", "ta marbuta"),
    ("مستشفي الولاده", "hospital", "alef maqsura"),
    ("المتوفي عبدالرحمن الغامدي", "heirs", "alef maqsura"),
    ("منحه ارض سكنيه", "grant", "ta marbuta"),
    ("ميزانيه التعليم", "budget", "ta marbuta"),
    ("زياره المستشار", "visa", "ta marbuta"),
    # Derived forms: plurals, singulars, clitics
    ("التراخيص الفيصلية", "permit", "plural"),
    ("رخص البناء", "permit", "plural"),
    ("مخالفات بلدية محلات", "violation", "plural"),
    ("المخالفات البلدية العزيزية", "violation", "plural"),
    ("مدارس البنات الروضة", "school", "plural"),
    ("مستشفيات الجموم", "hospital", "plural"),
    ("سجين معسر", "prisoners", "singular"),
    ("مشاريع تصريف الأمطار", "drainage", "plural"),
    ("لجان حصر الاراضي", "committee", "plural"),
    ("عقود صيانة الطرق", "contract", "plural"),
    ("سوق النفع العام", "markets", "singular"),
    ("تقارير السدود وادي فاطمة", "dam", "plural"),
    ("مستودعات تجارية حريق", "fire", "plural"),
    ("الورثة الغامدي", "heirs", "plural"),
    ("وارث المتوفى", "heirs", "singular"),
    ("مزارع وادي نعمان", "power", "plural"),
    ("إشارات المرور الستين", "signal", "plural"),
    ("الحاج الشميسي", "pilgrims", "singular"),
    ("جوازات السفر", "passport", "plural"),
    ("مقبرة جدة نظافة", "cemeteries", "singular"),
    ("راتب المعلمين المتعاقدين", "salaries", "singular"),
    ("حديقة المروة", "parks", "singular"),
    ("بئر ارتوازي ميسان", "wells", "singular"),
    ("جسور المشاة الحرمين", "bridge", "plural"),
    ("غرامة مخالفة مرورية", "traffic_fines", "singular"),
    ("فنادق المنطقة المركزية", "hotel", "plural"),
    ("والمياه المقطوعة بالنسيم", "water", "clitics"),
    ("لمستشفى الولادة", "hospital", "clitics"),
    # One-letter slips
    ("تعويظ ارض طريق الملك عبدالعزيز", "land", "slip"),
    ("رخصة بناء الفيصليه الفيسلية", "permit", "slip"),
    ("تلوت الشاطئ", "beach", "slip"),
    ("مستشفى الولاده الجمموم", "hospital", "slip"),
    ("السجتاء المعسرين", "prisoners", "slip"),
    ("تسريب مياه الصرف", "sewage", "slip"),
    ("مناقله الميزانبة", "budget", "slip"),
    ("الكلاب الظالة", "dogs", "slip"),
    ("الحفريات طريق الامير ماحد", "digging", "slip"),
    ("كسارة مخالفه وادي عرنه", "quarry", "exact"),
    ("كسرة وادي عرنة", "quarry", "slip"),
    ("تفويج الحجاح", "pilgrims", "slip"),
    ("حلاقه رجاليه الهنداويه", "barber", "ta marbuta"),
    ("الهنداوبة حلاقة", "barber", "slip"),
    ("ارتوزية", "wells", "slip"),
    ("الفلبينبة اقامة", "residence", "slip"),
    ("الجمموم", "hospital", "slip"),
    ("حلاقة رجالبة", "barber", "slip"),
    ("منفد الشميسي", "pilgrims", "slip"),
    ("ترميم جامغ", "mosque", "slip"),
    ("نظافه المقابز", "cemeteries", "slip"),
    ("رواتب المعلمبن", "salaries", "slip"),
    ("الحفرييات", "digging", "slip"),
    ("تصنيف فندف", "hotel", "slip"),
    # Diacritics and kashida
    ("تَعْوِيض أَرْض طريق الملك", "land", "diacritics"),
    ("الشـــاطئ الشمـــالي", "beach", "kashida"),
    ("مُسْتَشْفَى الوِلادة", "hospital", "diacritics"),
    # Digits, numbers, references, IDs, phones
    ("{ref}", "land", "reference"),
    ("{ref_lower_compact}", "permit", "reference"),
    ("{ref_ar}", "sewage", "reference"),
    ("{ref_short}", "heirs", "reference"),
    ("{ref}", "visa", "reference"),
    ("{id}", "land", "ID number"),
    ("{id_ar}", "permit", "ID number"),
    ("{id_spaced}", "heirs", "ID number"),
    ("{id}", "residence", "iqama number"),
    ("{phone}", "sewage", "mobile"),
    ("{phone_intl}", "land", "mobile"),
    ("مدرسة البنات الابتدائية ٣ الروضة", "school", "digits"),
    ("انقطاع المياه ٣ أيام", "water", "digits"),
    # Mixed Arabic and English, names
    ("visa support", "visa", "English"),
    ("Siemens تأشيرة", "visa", "mixed"),
    ("consultant زيارة", "visa", "mixed"),
    ("VISA Request", "visa", "English"),
    ("ضيف الله العتيبي", "sewage", "name"),
    ("ضيفالله العتيبي", "sewage", "name"),
    ("عبد الرحمن الغامدي ورثة", "heirs", "name"),
    ("سعد القرني تعويض", "land", "name"),
    ("خوسيه سانتوس", "residence", "name"),
    # Stop words and little words typed along
    ("طلب من اجل ترميم جامع في الشعيبة", "mosque", "stop words"),
    ("عن تأخر صرف الرواتب للمعلمين", "salaries", "stop words"),
    ("نقل موظف الى فرع مكة", "transfer", "stop words"),
    ("الأحوال المدنية نقل", "transfer", "exact"),
    ("تصنيف فندق قرب الحرم", "hotel", "exact"),
]


# ---------------------------------------------------------------------------------------------
# Registering the documents and measuring a search over them

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def register(cast: Any) -> dict[str, Any]:
    """Register every document (then the distractors, newer, so that they win ties) as the
    cast's clerk; returns the documents' transactions by key."""
    from tests.conftest import make_transaction
    from wasl.core.identity import make_national_id
    from wasl.registry.services import Party

    made: dict[str, Any] = {}
    for doc in DOCUMENTS:
        if doc.party:
            id_number = make_national_id(doc.id_prefix)
            party = Party(
                type="resident" if id_number.startswith("2") else "citizen",
                name=doc.party,
                id_number=id_number,
                phone=doc.phone,
            )
            direction = "incoming"
        else:
            party, direction = Party(type="none"), "internal"
        made[doc.key] = make_transaction(
            cast, subject=doc.subject, body=doc.body, party=party, direction=direction
        )
    for subject in DISTRACTORS:
        make_transaction(
            cast, subject=subject, body="", party=Party(type="none"), direction="internal"
        )
    return made


def typed(query: str, txn: Any) -> str:
    """`query` with the target's numbers filled in, as a person would type them."""
    reference = txn.reference
    id_number = txn.party_id_number
    phone = txn.party_phone  # +9665…
    return query.format(
        ref=reference,
        ref_lower_compact=reference.lower().replace("-", ""),
        ref_ar=reference.translate(ARABIC_DIGITS),
        ref_short=f"{txn.hijri_year}/{txn.sequence}",
        id=id_number,
        id_ar=id_number.translate(ARABIC_DIGITS),
        id_spaced=f"{id_number[:4]} {id_number[4:7]} {id_number[7:]}",
        phone="0" + phone[4:] if phone else "",
        phone_intl=f"+966 {phone[4:6]} {phone[6:9]} {phone[9:]}" if phone else "",
    )


@dataclass
class Measure:
    ranks: list[int | None]
    misses: list[str]

    @property
    def recall(self) -> float:
        return sum(1 for r in self.ranks if r) / len(self.ranks)

    @property
    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r) / len(self.ranks)


def measure(made: dict[str, Any], search: Callable[[str], list[int]]) -> Measure:
    """recall@10 and MRR of `search` (a query → the ids of its first ten results) over the
    query set; `misses` lists every query whose target is not first."""
    ranks: list[int | None] = []
    misses: list[str] = []
    for query, key, what in QUERIES:
        target = made[key]
        found = search(typed(query, target))[:10]
        rank = found.index(target.pk) + 1 if target.pk in found else None
        ranks.append(rank)
        if rank != 1:
            misses.append(f"{query!r} → {key} ({what}): rank {rank}")
    return Measure(ranks, misses)
