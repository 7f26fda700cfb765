"""Search analysis on top of `wasl.core.arabic`: what is indexed and what a query looks for.

The core gives `normalise` and Lucene's light stemmer. Search needs a little more, and the
same function runs on documents and on queries so that the two always meet:

- **hamza**: ؤ and ئ are folded to ء before the core folds them to و and ي, so that the two
  spellings people use for the same word meet (مسؤول / مسئول, شؤون / شئون, هيئة);
- **proclitics**: the core strips ال، وال، بال، كال، فال، لل and و; a word written with ب، ل،
  ف or ك glued to it (بمعاملة، لمعاملة، فالطلب، وبالمعاملات) also yields the key of the word
  without it, when at least three letters remain, or when the rest is one of a few common
  two-letter words (بحي → حي);
- **plurals**: sound plurals and the dual (ون، ين، ات، ان) are in the stemmer; a short list of
  broken plurals common in correspondence (أراضي → أرض، شكاوى → شكوى، مشاريع → مشروع …) maps
  them to their singular;
- **compound names**: عبد / أبو / أم + a word, and a word + الله / الدين, yield the joined
  word, and a joined name yields its parts, so عبدالله and عبد الله meet.

A word's *keys* are what matching uses (a document matches a query word when they share a
key); the exact normalised word is kept too, so that an exact match ranks first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from wasl.core.arabic import light_stem, normalise

HAMZA = "\u0621"
_HAMZA_SEATS = str.maketrans({"\u0624": HAMZA, "\u0626": HAMZA})  # ؤ ئ → ء
_MAQSURA_HAMZA = "\u0649\u0621"  # ىء
_TOKEN = re.compile(r"[^\W_]+")

# A query word longer than this is not a word anyone types; it still matches itself.
MAX_WORD = 40

# Single-letter proclitics the core stemmer leaves on: ب ل ف ك, optionally after و or ف.
_CLITICS = ("وب", "ول", "وك", "فب", "فل", "فك", "ب", "ل", "ف", "ك", "و")
_MIN_REST = 3
# Two-letter words common in correspondence that a glued clitic may precede (بحي، لحي، بيد):
# only these, because cutting ب or ل off any three-letter word would invent matches
# (بيت → يت، لبن → بن).
_SHORT_WORDS = frozenset({"حي", "يد", "دم", "اب", "اخ", "ام", "فم"})

# Compound names written joined or apart.
_JOIN_BEFORE = ("عبد", "ابو", "ام")  # عبد الله, ابو بكر, ام كلثوم
_JOIN_AFTER = ("الله", "الدين")  # ضيف الله, نور الدين

# Frequent words that carry no meaning on their own; a query made only of them keeps them.
STOP_WORDS = frozenset(
    normalise(w)
    for w in (
        "في من على إلى الى عن مع أن ان أو او ثم قد لا ما لم لن هذا هذه ذلك تلك التي الذي "
        "الذين هو هي هم كما بعد قبل عند حتى إذا اذا كل أي اي بين حول ضد لدى منذ و"
    ).split()
)

# Broken plurals frequent in government correspondence → singular (both normalised below).
_BROKEN_PLURALS_RAW = {
    "أراضي": "أرض",
    "اراض": "أرض",
    "شكاوى": "شكوى",
    "شكاوي": "شكوى",
    "مشاريع": "مشروع",
    "مشروعات": "مشروع",
    "أحياء": "حي",
    "مباني": "مبنى",
    "سجناء": "سجين",
    "وثائق": "وثيقة",
    "مدارس": "مدرسة",
    "مساجد": "مسجد",
    "شوارع": "شارع",
    "رخص": "رخصة",
    "طرق": "طريق",
    "أحكام": "حكم",
    "مبالغ": "مبلغ",
    "مكاتب": "مكتب",
    "عمال": "عامل",
    "منازل": "منزل",
    "بيوت": "بيت",
    "مراكز": "مركز",
    "مواقع": "موقع",
    "محاكم": "محكمة",
    "قضايا": "قضية",
    "حقوق": "حق",
    "أسر": "أسرة",
    "مواطنون": "مواطن",
    "عقود": "عقد",
    "أملاك": "ملك",
    "مخططات": "مخطط",
    "منح": "منحة",
    "وظائف": "وظيفة",
    "موظفون": "موظف",
    "شركات": "شركة",
    "مؤسسات": "مؤسسة",
    "جهات": "جهة",
    "إدارات": "إدارة",
    "محافظات": "محافظة",
    "بلديات": "بلدية",
    "مستشفيات": "مستشفى",
    "مخالفات": "مخالفة",
    "تعويضات": "تعويض",
    "أجهزة": "جهاز",
    "أوراق": "ورقة",
    "صكوك": "صك",
    "سيارات": "سيارة",
    "خدمات": "خدمة",
    "أمانات": "أمانة",
    "مساكن": "مسكن",
    "قرى": "قرية",
    "مدن": "مدينة",
    "طلاب": "طالب",
    "أبناء": "ابن",
    "ورثة": "وارث",
    # The words of government work (issue 20): permits, violations, circulars, committees…
    "تراخيص": "رخصة",
    "تصاريح": "تصريح",
    "تقارير": "تقرير",
    "تعاميم": "تعميم",
    "لجان": "لجنة",
    "مجالس": "مجلس",
    "مناطق": "منطقة",
    "أنظمة": "نظام",
    "لوائح": "لائحة",
    "أوامر": "أمر",
    "مواعيد": "موعد",
    "أنشطة": "نشاط",
    "مصانع": "مصنع",
    "أسواق": "سوق",
    "حدائق": "حديقة",
    "مزارع": "مزرعة",
    "آبار": "بئر",
    "سدود": "سد",
    "جسور": "جسر",
    "أنفاق": "نفق",
    "مواقف": "موقف",
    "رسوم": "رسم",
    "ضرائب": "ضريبة",
    "مرافق": "مرفق",
    "شؤون": "شأن",
    "أعمال": "عمل",
    "مهام": "مهمة",
    "أجور": "أجر",
    "رواتب": "راتب",
    "مكافآت": "مكافأة",
    "حوادث": "حادث",
    "مقابر": "مقبرة",
    "ملاعب": "ملعب",
    "أندية": "نادي",
    "جوامع": "جامع",
    "أحوال": "حال",
    "جوازات": "جواز",
    "تأشيرات": "تأشيرة",
    "عمائر": "عمارة",
    "فنادق": "فندق",
    "ورش": "ورشة",
    "مخازن": "مخزن",
    "مستودعات": "مستودع",
    "مقاولين": "مقاول",
    "مقاولون": "مقاول",
    "مناقصات": "مناقصة",
    "عقارات": "عقار",
    "إجراءات": "إجراء",
    "معاملات": "معاملة",
    "طلبات": "طلب",
    "قرارات": "قرار",
    "خطابات": "خطاب",
    "مستندات": "مستند",
    "ملفات": "ملف",
    "غرامات": "غرامة",
    "برقيات": "برقية",
    "وكالات": "وكالة",
    "مواطنين": "مواطن",
    "مستفيدين": "مستفيد",
    "أوقاف": "وقف",
    "مساحات": "مساحة",
    "حدود": "حد",
    "إيرادات": "إيراد",
    "نفقات": "نفقة",
    "ميزانيات": "ميزانية",
}


def search_normalise(text: str) -> str:
    """`wasl.core.arabic.normalise` with ؤ and ئ folded to ء first; idempotent."""
    # NFKC first so that a hamza written as a combining mark after و or ي is composed into
    # ؤ or ئ here, and not deleted as a mark by the core.
    # ى followed by ء is how a hamza on yeh is drawn by hand at the end of a word (الشاطىء).
    text = unicodedata.normalize("NFKC", text).replace(_MAQSURA_HAMZA, "\u0626")
    return normalise(text.translate(_HAMZA_SEATS))


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order: the tokens of `search_normalise(text)`.

    Normalising never joins or splits across whitespace, so each whitespace-separated chunk
    is normalised on its own, through a cache: documents repeat their words, and this is
    what indexing a million of them spends most of its time on.
    """
    out: list[str] = []
    for chunk in text.split():
        out.extend(_chunk_words(chunk))
    return out


@lru_cache(maxsize=500_000)
def _chunk_words(chunk: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(search_normalise(chunk)))


_BROKEN_PLURALS = {
    search_normalise(plural): search_normalise(singular)
    for plural, singular in _BROKEN_PLURALS_RAW.items()
}


def _stem(word: str) -> str:
    return light_stem(word)


def hamza_variants(word: str) -> tuple[str, ...]:
    """The word as typed without its hamza seat: ء (where ؤ or ئ stood) written as the bare
    و or ي (مءقت → موقت, الشاطء → الشاطي), which is how most people type them; empty when
    the word has no ء after its first letter."""
    if HAMZA not in word[1:]:
        return ()
    head, rest = word[0], word[1:]
    return (head + rest.replace(HAMZA, "\u0648"), head + rest.replace(HAMZA, "\u064a"))


@lru_cache(maxsize=200_000)
def keys(word: str) -> frozenset[str]:
    """The match keys of one normalised word: its light stem, the stems of the word without a
    glued ب ل ف ك (and و/ف before them), the singular of a known broken plural, and the same
    for the word with a hamza seat written bare (`hamza_variants`)."""
    if len(word) > MAX_WORD or word.isdigit() or word.isascii():
        return frozenset({word})
    found = set(_keys_of(word))
    for variant in hamza_variants(word):
        found.update(_keys_of(variant))
    return frozenset(k for k in found if k)


def _keys_of(word: str) -> set[str]:
    found = {_stem(word)}
    for clitic in _CLITICS:
        if word[len(clitic) :] in _SHORT_WORDS and word.startswith(clitic):
            found.add(word[len(clitic) :])
        if word.startswith(clitic) and len(word) - len(clitic) >= _MIN_REST:
            rest = word[len(clitic) :]
            found.add(_stem(rest))
            singular = _BROKEN_PLURALS.get(_strip_article(rest))
            if singular:
                found.add(_stem(singular))
    singular = _BROKEN_PLURALS.get(_strip_article(word))
    if singular:
        found.add(_stem(singular))
    return found


def _strip_article(word: str) -> str:
    for article in ("وال", "بال", "فال", "كال", "ال", "لل"):
        if word.startswith(article) and len(word) - len(article) >= 2:
            return word[len(article) :]
    return word


@dataclass(frozen=True)
class Term:
    """One word of a text as search sees it: its exact normalised form, its keys, and the
    positions (indexes into the word list) it covers — two for a name written apart."""

    exact: str
    keys: frozenset[str]
    first: int
    last: int


def _joinable(left: str, right: str) -> bool:
    return left in _JOIN_BEFORE or right in _JOIN_AFTER


@lru_cache(maxsize=200_000)
def _splits(word: str) -> tuple[tuple[str, str], ...]:
    parts = []
    for head in _JOIN_BEFORE:
        if word.startswith(head) and len(word) - len(head) >= _MIN_REST:
            parts.append((head, word[len(head) :]))
    for tail in _JOIN_AFTER:
        if word.endswith(tail) and len(word) - len(tail) >= 2:
            parts.append((word[: -len(tail)], tail))
    return tuple(parts)


def terms(text: str) -> list[Term]:
    """Every word of `text` with its keys, plus a joined term for each compound name written
    apart (covering both words) and the parts of a compound written joined."""
    return _terms_of(words(text))


def _terms_of(ws: list[str]) -> list[Term]:
    out: list[Term] = []
    for i, word in enumerate(ws):
        out.append(Term(word, keys(word), i, i))
        for head, tail in _splits(word):
            out.append(Term(head, keys(head), i, i))
            out.append(Term(tail, keys(tail), i, i))
        if i + 1 < len(ws) and _joinable(word, ws[i + 1]):
            joined = word + ws[i + 1]
            out.append(Term(joined, keys(joined), i, i + 1))
    return out


@dataclass(frozen=True)
class IndexText:
    """What one document puts in the index: exact words and the keys of every term."""

    exact: list[str]
    keys: list[str]


def index_text(text: str) -> IndexText:
    """The exact words of `text` (in order, with the joined form of a compound name written
    apart, so that it ranks like the joined spelling) and the deduplicated keys of all its
    terms (the same keys as `terms(text)` gives)."""
    ws = words(text)
    exact = list(ws)
    seen: dict[str, None] = {}
    last = len(ws) - 1
    for i, word in enumerate(ws):
        seen.update(_all_keys(word))
        if i < last and _joinable(word, ws[i + 1]):
            joined = word + ws[i + 1]
            exact.append(joined)
            seen.update(dict.fromkeys(sorted(keys(joined))))
    return IndexText(exact=exact, keys=list(seen))


@lru_cache(maxsize=200_000)
def _all_keys(word: str) -> dict[str, None]:
    """The keys of a word and of its parts when it is a joined compound name, in a stable
    order (a dict used as an ordered set; callers must not change it)."""
    found = dict.fromkeys(sorted(keys(word)))
    for head, tail in _splits(word):
        found.update(dict.fromkeys(sorted(keys(head))))
        found.update(dict.fromkeys(sorted(keys(tail))))
    return found


@dataclass(frozen=True)
class QueryWord:
    """One thing a query asks for: a document must have one of `keys`; `exact` forms (the
    words as typed, normalised) rank first; a stop word is not required."""

    text: str
    exact: frozenset[str]
    keys: frozenset[str]
    optional: bool = False


def query_words(text: str, *, limit: int = 12) -> list[QueryWord]:
    """The words a query asks for, at most `limit`; compound names written apart or joined
    become one word; stop words are optional unless the query has nothing else."""
    ws = words(text)
    out: list[QueryWord] = []
    i = 0
    while i < len(ws):
        word = ws[i]
        if i + 1 < len(ws) and _joinable(word, ws[i + 1]):
            joined = word + ws[i + 1]
            out.append(
                QueryWord(
                    f"{word} {ws[i + 1]}",
                    frozenset({joined}),
                    keys(joined),
                )
            )
            i += 2
            continue
        out.append(QueryWord(word, frozenset({word}), keys(word), word in STOP_WORDS))
        i += 1
    if out and all(w.optional for w in out):
        out = [QueryWord(w.text, w.exact, w.keys, False) for w in out]
    seen: set[frozenset[str]] = set()
    unique = []
    for w in out:
        if w.keys not in seen:
            seen.add(w.keys)
            unique.append(w)
    return unique[:limit]


# ---------------------------------------------------------------------------------------------
# Highlighting: which spans of the original text matched


def _word_runs(text: str) -> Iterator[tuple[int, int]]:
    """Spans of `text` that form words: letters, digits, marks, tatweel and the invisible
    format characters that may sit inside an Arabic word."""
    start = None
    for i, char in enumerate(text):
        category = unicodedata.category(char)
        inside = category[0] in "LNM" or category == "Cf"
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            yield start, i
            start = None
    if start is not None:
        yield start, len(text)


def matched_spans(text: str, wanted: frozenset[str], *, limit: int = 200) -> list[tuple[int, int]]:
    """Spans of the original `text` whose words share a key with `wanted` (the union of a
    query's keys); a compound name written apart is marked when its joined form matches."""
    if not wanted or not text:
        return []
    runs = []
    for n, (start, end) in enumerate(_word_runs(text)):
        if n >= 5000:
            break
        runs.append((start, end, words(text[start:end])))
    spans: list[tuple[int, int]] = []
    for index, (start, end, ws) in enumerate(runs):
        hit = any(keys(w) & wanted for w in ws) or any(
            keys(h) & wanted or keys(t) & wanted for w in ws for h, t in _splits(w)
        )
        if not hit and index + 1 < len(runs) and ws and runs[index + 1][2]:
            nxt = runs[index + 1][2][0]
            if _joinable(ws[-1], nxt) and keys(ws[-1] + nxt) & wanted:
                spans.append((start, end))
                spans.append((runs[index + 1][0], runs[index + 1][1]))
                continue
        if hit:
            spans.append((start, end))
        if len(spans) >= limit:
            break
    merged: list[tuple[int, int]] = []
    for span in sorted(set(spans)):
        merged.append(span)
    return merged


def segments(text: str, wanted: frozenset[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, matched) pairs, for templates and the API."""
    out: list[tuple[str, bool]] = []
    position = 0
    for start, end in matched_spans(text, wanted):
        if start < position:
            continue
        if start > position:
            out.append((text[position:start], False))
        out.append((text[start:end], True))
        position = end
    if position < len(text):
        out.append((text[position:], False))
    return out


def snippet(text: str, wanted: frozenset[str], *, width: int = 90) -> list[tuple[str, bool]]:
    """A window of about `width` characters on each side of the first match in `text`."""
    spans = matched_spans(text, wanted, limit=1)
    if not spans:
        cut = text[: 2 * width]
        return [(cut + ("…" if len(text) > len(cut) else ""), False)] if cut else []
    start = max(0, spans[0][0] - width)
    end = min(len(text), spans[0][1] + width)
    # Cut at spaces so that words are whole.
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    if end < len(text):
        space = text.rfind(" ", spans[0][1], end)
        end = space if space > 0 else end
    pieces = segments(text[start:end], wanted)
    if start > 0:
        pieces.insert(0, ("… ", False))
    if end < len(text):
        pieces.append((" …", False))
    return pieces


# ---------------------------------------------------------------------------------------------
# One-letter slips: which indexed words a typed word may have meant

# Shorter words are too close to too many others for a correction to mean anything.
MIN_CORRECTABLE = 3


def correctable(word: str) -> bool:
    """Whether a normalised query word is one a slip correction is looked for: letters only,
    at least MIN_CORRECTABLE of them, and a word (not a stop word, not too long)."""
    return MIN_CORRECTABLE <= len(word) <= MAX_WORD and word.isalpha() and word not in STOP_WORDS


def slips(a: str, b: str) -> int:
    """The number of one-letter slips between `a` and `b` (a letter left out, added, changed,
    or two neighbours swapped: the optimal-string-alignment distance), counted up to 2."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > 1:
        return 2
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return min(previous[len(b)], 2)


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's similarity: shared trigrams of the words padded with two spaces in front and
    one behind, over all their trigrams."""

    def grams(word: str) -> set[str]:
        padded = f"  {word} "
        return {padded[i : i + 3] for i in range(len(padded) - 2)}

    left, right = grams(a), grams(b)
    return len(left & right) / len(left | right) if left or right else 0.0


def rank_corrections(typed: str, candidates: Sequence[str]) -> list[str]:
    """The `candidates` one slip away from `typed`, most similar first (then the shorter,
    then alphabetically): the same order whichever database found them."""
    near = {c for c in candidates if c != typed and slips(typed, c) == 1}
    return sorted(near, key=lambda c: (-trigram_similarity(typed, c), len(c), c))
