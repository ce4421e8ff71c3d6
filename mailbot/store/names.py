"""Names as people write them, reduced to what identifies them.

Two kinds: organisation names (`'s-Hertogenbosch`, `gemeente Den Haag`) become a key for exact
lookup, and question labels (`Aantal opgelegde huisverboden`) become a set of significant words
so a shortened or edited label can still be recognised, and a wrong one can be noticed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# "gemeente Den Haag" and "Den Haag" are one municipality; nothing else is stripped, so police
# units and names such as "Bergen (NH.)" keep every word that tells them apart.
_LEADING_GEMEENTE = re.compile(r"^gemeente(?![a-z0-9])")

# Words that every label shares, or that carry no meaning of their own in a label.
_STOPWORDS = frozenset(
    {"aantal", "voor", "door", "over", "naar", "met", "van", "het", "een", "der", "den", "bij",
     "vraag", "totaal", "incl", "inclusief", "exclusief", "excl", "waarvan", "geen", "ook"}
)
# Shorter words (abbreviations such as "hv", "nr") are too vague to support or contradict a label.
_MIN_WORD = 4
# A shared word ending only counts when it is long enough to be a word of its own ("trajecten").
_MIN_SUFFIX = 6


def fold(text: str) -> str:
    """Lower case without diacritics: `Súdwest-Fryslân` becomes `sudwest-fryslan`."""
    if text.isascii():  # most text: nothing to decompose, the same result much cheaper
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(name: str) -> str:
    """The key an organisation name is matched by: letters and digits only, case-folded.

    Apostrophes, hyphens, spaces, dots and brackets do not matter, nor does a leading
    `gemeente`: `'s-Hertogenbosch`, `s Hertogenbosch` and `'S-HERTOGENBOSCH` share a key, while
    `Bergen (NH.)` and `Bergen (L.)` do not. Empty for a name without letters or digits.
    """
    folded = _LEADING_GEMEENTE.sub("", fold(name).strip())
    return "".join(ch for ch in folded if ch.isalnum())


# Words before or after a name that only say what kind of organisation it names, as the words
# of `fold`ed text: "Gemeente Utrecht", "Utrecht (gemeente)", "gem. Utrecht", "Politie-eenheid
# Oost-Brabant", "Eenheid Midden-Nederland". CBS's own qualifiers ("Bergen (NH.)") are part of
# the name and stay.
QUALIFIERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "gemeente": (("gemeente",), ("gem",)),
    "politie": (("politie", "regionale", "eenheid"), ("regionale", "politie", "eenheid"),
                ("politie", "eenheid"), ("politieeenheid",), ("regionale", "eenheid"),
                ("eenheid",), ("politie",)),
}


@dataclass(frozen=True)
class Qualified:
    """A name read apart from the words that say what kind of organisation it names."""

    key: str  # the name's key without them: "Utrecht (gemeente)" -> "utrecht"
    kind: str | None  # the kind they name; None for a name written without any


def qualified(name: str) -> Qualified:
    """The name without a leading or trailing qualifier (`QUALIFIERS`), and the kind it named.

    `Gemeente Utrecht`, `Utrecht (gemeente)` and `gem. Utrecht` are `utrecht` of kind
    `gemeente`; `Politie-eenheid Oost-Brabant` is `oostbrabant` of kind `politie`; `Bergen (NH.)`
    is `bergennh` of no kind. A name that is nothing but a qualifier keeps it.
    """
    words = "".join(ch if ch.isalnum() else " " for ch in fold(name)).split()
    kind = None
    for side in ("leading", "trailing"):
        found = _qualifier(words, side)
        if found is None or (kind is not None and found[0] != kind):
            continue
        kind, length = found
        words = words[length:] if side == "leading" else words[:-length]
    return Qualified("".join(words), kind)


def _qualifier(words: list[str], side: str) -> tuple[str, int] | None:
    """The kind and length of the longest qualifier at this side, leaving a name behind."""
    for kind, phrases in QUALIFIERS.items():
        for phrase in phrases:
            length = len(phrase)
            edge = words[:length] if side == "leading" else words[-length:]
            if len(words) > length and tuple(edge) == phrase:
                return kind, length
    return None


def spellings(name: str) -> tuple[tuple[str, str | None], ...]:
    """The keys an organisation this name means may be registered under, each with the kind
    such an organisation must be (None: any): the name as written, and with each qualifier of
    the kind it names (or of any kind) before or after it. `Eenheid Amsterdam` may be
    registered as `Politie Amsterdam`, never as the municipality `Amsterdam`."""
    written = qualified(name)
    if not written.key:
        return ()
    found: list[tuple[str, str | None]] = [(written.key, written.kind)]
    for kind, phrases in QUALIFIERS.items():
        if written.kind not in (None, kind):
            continue
        for phrase in phrases:
            joined = "".join(phrase)
            found += [(joined + written.key, kind), (written.key + joined, kind)]
    return tuple(found)


@lru_cache(maxsize=4096)  # form labels are read again for every line of every mail
def label_words(label: str) -> frozenset[str]:
    """The significant words of a label: `kind(eren)` reads as `kinderen`."""
    text = fold(label).replace("(", "").replace(")", "")
    words = re.findall(r"[a-z0-9]+", text)
    return frozenset(w for w in words if len(w) >= _MIN_WORD and w not in _STOPWORDS)


@lru_cache(maxsize=65536)
def _alike(a: str, b: str) -> bool:
    """One word is the other, a shortening of it (`opgelegd`), or a compound's tail."""
    short, long = sorted((a, b), key=len)
    if long.startswith(short):
        return True
    return len(short) >= _MIN_SUFFIX and long.endswith(short)


def overlap(words: Iterable[str], label: frozenset[str]) -> int:
    """How many of the written words belong to this label."""
    return sum(1 for w in words if any(_alike(w, word) for word in label))


def label_owner(label: str, key: str, labels: dict[str, str]) -> str | None:
    """None when `label` fits the label of question `key`; else the key whose label it fits
    better, or "" when it fits no label at all.

    Conservative: a label only belongs elsewhere when another label shares more of its words,
    so every shortening of the right label passes. Words under four letters do not count.
    """
    return _label_owner(label, key, tuple(labels.items()))


@lru_cache(maxsize=16384)  # the same template lines arrive in every mail of a round
def _label_owner(label: str, key: str, labels: tuple[tuple[str, str], ...]) -> str | None:
    words = label_words(label)
    if not words:
        return None
    scores = {k: overlap(words, label_words(text)) for k, text in labels}
    best = max(scores, key=lambda k: scores[k])
    if scores[best] > scores[key]:
        return best
    return None if scores[key] else ""


def fits_any(label: str, labels: Iterable[str]) -> bool:
    """The label is empty of meaning or shares a word with one of these labels."""
    words = label_words(label)
    return not words or any(overlap(words, label_words(text)) for text in labels)
