"""Arabic text for search: digit folding, one normaliser, tokens and a light stemmer.

The same :func:`normalise` runs when a document is indexed and when a query is typed, so that
the two always meet. The rules extend Lucene's Arabic analyzer (see ARABIC_SAUDI.md);
the stemmer is Lucene's light stemmer. Both are written here because pyarabic and
tashaphyne are GPL and camel-tools pulls in torch.
"""

from __future__ import annotations

import re
import unicodedata

# \d in a str pattern matches every Unicode decimal digit (category Nd), exactly the set
# unicodedata.decimal() knows, so one regex covers Arabic-Indic, Persian and any other script.
_DIGIT = re.compile(r"\d")
_ARABIC_SEPARATORS = str.maketrans({"\u066b": ".", "\u066c": None})  # ٫ decimal, ٬ thousands

# Deleted by normalise(). Harakat (U+064B–U+0652) as Lucene does; also maddah and hamza marks
# above/below (U+0653–U+0655) and the other Arabic and Quranic marks, because once a letter
# has been folded its leftover marks would otherwise split the word into tokens. Tatweel is
# only drawing. The bidi and zero-width characters are invisible: copied text is full of them.
_DELETE = (
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u08d3-\u08e1"
    "\u08e3-\u08ff\u0640"
    "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
)
_DELETE_RE = re.compile(f"[{_DELETE}]")

# Letters people write interchangeably: hamza seats, alef maqsura for final yeh, taa marbuta
# for final heh, and the Persian keyboard's yeh and keheh.
_LETTERS = str.maketrans(
    {
        "\u0623": "\u0627",  # أ → ا
        "\u0625": "\u0627",  # إ → ا
        "\u0622": "\u0627",  # آ → ا
        "\u0671": "\u0627",  # ٱ → ا
        "\u0672": "\u0627",  # ٲ → ا
        "\u0673": "\u0627",  # ٳ → ا
        "\u0649": "\u064a",  # ى → ي
        "\u0629": "\u0647",  # ة → ه
        "\u06c0": "\u0647",  # ۀ → ه (what NFKC makes of ه + hamza above)
        "\u0624": "\u0648",  # ؤ → و
        "\u0626": "\u064a",  # ئ → ي
        "\u06cc": "\u064a",  # ی → ي
        "\u06a9": "\u0643",  # ک → ك
    }
)

# A token is a run of letters and digits; punctuation, symbols and marks separate tokens.
_TOKEN = re.compile(r"[^\W_]+")


def fold_digits(text: str) -> str:
    """Every Unicode decimal digit becomes ASCII 0-9; ٫ becomes '.', ٬ is dropped."""
    if text.isascii():
        return text
    text = _DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)
    return text.translate(_ARABIC_SEPARATORS)


def _normalise_once(text: str) -> str:
    # NFKC first: presentation forms and lam-alef ligatures become plain letters and marks.
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _DELETE_RE.sub("", text).translate(_LETTERS)
    text = fold_digits(text)
    # Again, because casefold() and the deletions can leave sequences NFKC would recompose
    # (a letter and a Latin accent that a tatweel used to separate, for instance).
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def normalise(text: str) -> str:
    """Fold text for indexing and querying; idempotent.

    NFKC, case-fold, delete harakat, superscript alef, tatweel, bidi and zero-width
    characters, fold أ إ آ ٱ → ا, ى → ي, ة → ه, ؤ → و, ئ → ي, ی → ي, ک → ك, fold digits,
    collapse whitespace and strip.
    """
    result = _normalise_once(text)
    # One pass is a fixed point for real text; exotic Unicode (case folding is not closed under
    # NFKC for a few characters) may need another. Loop a bounded number of times to be sure.
    for _ in range(3):
        again = _normalise_once(result)
        if again == result:
            break
        result = again
    return result


def tokens(text: str) -> list[str]:
    """The normalised words of ``text``: runs of letters and digits."""
    return _TOKEN.findall(normalise(text))


# Lucene's ArabicStemmer lists, in Lucene's order. Lucene also normalises before stemming, so
# ية and ة never match there either; they are kept to stay a faithful copy.
_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")


def light_stem(word: str) -> str:
    """Lucene's Arabic light stem of a normalised word.

    Strip the first matching prefix of ال وال بال كال فال لل و (و only when the word has at
    least 4 letters, the others when at least two letters remain), then each matching suffix
    in the order ها ان ات ون ين يه ية ه ة ي, each only when at least two letters remain.
    """
    for prefix in _PREFIXES:
        minimum = 4 if len(prefix) == 1 else len(prefix) + 2
        if len(word) >= minimum and word.startswith(prefix):
            word = word[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if len(word) >= len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


# Names written both joined and apart: عبد الله / عبدالله, أبو بكر / أبوبكر.
_JOINING = ("عبد", "ابو")
_ABD = "عبد"


def index_terms(text: str) -> list[str]:
    """Search terms of ``text``: each token and its light stem, deduplicated, in order.

    A compound name yields the same terms however it is written: عبد / أبو followed by a
    word also yields the joined word, and a word starting with عبد followed by at least three
    letters also yields عبد and the rest. Run it on documents and on queries alike.
    """
    words = tokens(text)
    seen: dict[str, None] = {}  # an ordered set

    def add(word: str) -> None:
        seen.setdefault(word)
        seen.setdefault(light_stem(word))

    for i, word in enumerate(words):
        add(word)
        if word in _JOINING and i + 1 < len(words):
            add(word + words[i + 1])
        # Three letters at least, so that names such as عبده or عبدان are not cut in two.
        if word.startswith(_ABD) and len(word) >= len(_ABD) + 3:
            add(_ABD)
            add(word[len(_ABD) :])
    return list(seen)
