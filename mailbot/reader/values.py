"""What people write after a colon: counts (`12`, `geen`, `1.234`) and half years (`H1 2026`).

A count is read only when a careful person would read the same number; everything else is a
`Flaw` with a problem code, never a guess. Half years are read in the ways Dutch staff write them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mailbot.dates.periods import Period
from mailbot.store.names import fold


@dataclass(frozen=True)
class Flaw:
    """Why a written value is not a count: a problem code and the value as written."""

    code: str
    written: str


ZERO_WORDS = frozenset({"geen", "nul", "-", "–", "—", "−"})
NUMBER_WORDS = {
    "een": 1, "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
    "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13,
    "veertien": 14, "vijftien": 15, "zestien": 16, "zeventien": 17, "achttien": 18,
    "negentien": 19, "twintig": 20,
}
# Written alone on a line without a colon, these still plainly answer the question.
_UNKNOWN_TOKENS = frozenset({"onbekend", "nvt", "n.v.t", "n.v.t.", "nb", "n.b", "n.b.", "?"})

# A word after the number that changes what the number means ("12 per maand", "12 meer").
_DENIED_UNITS = frozenset(
    {"per", "procent", "pct", "dag", "dagen", "week", "weken", "maand", "maanden", "jaar",
     "jaren", "kwartaal", "uur", "uren", "meer", "minder", "extra", "nog", "niet", "plus", "min"}
)
# "geen gegevens" means nothing is known, not zero.
_NO_DATA = frozenset(
    {"gegevens", "cijfers", "getallen", "aantallen", "registraties", "data", "informatie"}
)

_APPROXIMATE = re.compile(
    r"\b(?:ca|circa|ongeveer|plm|pl\.m|zo['’]n|bijna|ruim|minstens|ten ?minste|minimaal"
    r"|maximaal|max|hooguit|meer dan|minder dan|of meer|of minder|geschat|schatting)\b"
    r"|[±~≈<>≤≥]|\+/?-|\d\s*\+|\d\s*\?"
)
_NEGATIVE = re.compile(r"^[-−–—]\s*\d")
_RANGE = re.compile(r"\d\s*(?:-|–|—|/|t/m|tm|tot en met|tot|à|á|a|of)\s*\d")
_DECIMAL = re.compile(r"\d[.,]\d")
# Only from the start of a run of digits and dots: tried from inside a run, a long `.111.111`
# would be scanned again from every position.
_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{3})+(?![\d.,])")
MAX_DIGITS = 9  # a count of a billion or more is no count of huisverboden
_COUNT = re.compile(
    r"(?P<number>\d{1,3}(?:\.\d{3})+|\d{1,3}(?: \d{3})+|\d+|geen|nul|[-–—−])"
    r"(?:\s+(?P<unit>[^\W\d_][\w'’-]*))?"
)
_REMARK = re.compile(r"\(|[;,](?!\d)")
_BARE = re.compile(r"[-−–—]?\d[\d.,/\-–]*\+?\??")
_BLANK = re.compile(r"[\s._…]*")


def read_count(text: str) -> int | Flaw | None:
    """The count written here; None when nothing was written; a Flaw when it is not a count."""
    written = text.strip()
    core = " ".join(fold(written).replace("\u00a0", " ").replace("\u202f", " ").split())
    if _BLANK.fullmatch(core):
        return None
    # A remark in brackets or after a comma does not change the number ("12 (waarvan 3 ...)").
    main = _REMARK.split(core, maxsplit=1)[0].strip().rstrip(".!").strip()
    if added := _changed_after(main):
        return Flaw("remark_changes_count", added)
    code = _flaw_code(core, main)
    if code is not None:
        return Flaw(code, written)
    count = _count(main)
    if count is not None:
        return count
    return Flaw("not_a_number" if _has_digit(core) else "unknown_value", written)


# A remark that says the number leaves out part of what the question asks for, or adds to it:
# not the one full count. Plain words, each tried once per position of a short remark.
_LEAVES_OUT_OR_ADDS = re.compile(
    r"(?<!\w)(?:excl|exclusief|zonder|behalve|niet meegeteld|niet geteld|niet meegerekend"
    r"|niet inbegrepen|niet meegenomen|buiten beschouwing|plus|en nog)(?!\w)|\+\s*\d"
)
_ONLY = re.compile(r"(?<!\w)(?:alleen|uitsluitend|enkel|slechts)(?!\w)")


_LEADING_NUMBER = re.compile(r"\d[\d.]*\s*")


def _changed_after(main: str) -> str:
    """What follows the number when it leaves out or adds to it without brackets
    (`12 + 3 mondeling`, `12 excl. 3`); "" otherwise (`12+` is an estimate)."""
    number = _LEADING_NUMBER.match(main)
    rest = main[number.end():] if number else ""
    return rest if rest and _LEAVES_OUT_OR_ADDS.search(rest) else ""


def count_remark(text: str) -> str:
    """The remark written after a count, in brackets or after a comma or semicolon
    (`12 (waarvan 2 na verlenging)`: `waarvan 2 na verlenging`); "" when there is none."""
    found = _REMARK.search(text)
    if found is None:
        return ""
    rest = text[found.end():].strip()
    if found.group() == "(":
        rest = rest.removesuffix(")")
    return " ".join(rest.split()).strip(" ;,")


def remark_changes_count(remark: str, includes: tuple[str, ...]) -> bool:
    """Whether `remark` says the count leaves out part of what the question asks for or adds
    to it (`excl. 3 mondeling`, `+ 3`), rather than describing part of it (`waarvan 2 ...`).
    `includes`: what the question's toelichting says the count includes ("mondeling"): a count
    of "only" something else leaves part out."""
    folded = fold(remark)
    if _LEAVES_OUT_OR_ADDS.search(folded):
        return True
    return bool(includes) and _ONLY.search(folded) is not None and not any(
        word in folded for word in includes)


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _flaw_code(core: str, main: str) -> str | None:
    """The first rule the text breaks: order matters ("-3" is negative before it is a range)."""
    if not _has_digit(core):
        return None
    if _NEGATIVE.match(main):
        return "negative"
    if _APPROXIMATE.search(core):
        return "approximate"
    if _RANGE.search(main):
        return "range"
    if _DECIMAL.search(_THOUSANDS.sub("0", main)):
        return "decimal"
    return None


def _count(main: str) -> int | None:
    if main in NUMBER_WORDS:
        return NUMBER_WORDS[main]
    m = _COUNT.fullmatch(main)
    if m is None:
        return None
    number, unit = m["number"], m["unit"]
    is_zero = not number[0].isdigit()
    if unit is not None and not _unit_allowed(unit, after_zero=is_zero):
        return None
    if sum(ch.isdigit() for ch in number) > MAX_DIGITS:
        return None
    return 0 if is_zero else int(number.replace(".", "").replace(" ", ""))


def _unit_allowed(unit: str, *, after_zero: bool) -> bool:
    """`12 huisverboden` and `geen verlengingen` are counts; `geen idee` is not."""
    if unit in _DENIED_UNITS or len(unit) < 3:
        return False
    if after_zero:
        return unit not in _NO_DATA and (unit.endswith(("en", "s")) or unit == "enkele")
    return True


def is_bare(text: str) -> bool:
    """One token that is plainly meant as a value (`12`, `geen`, `n.v.t.`, `3-5`), not a label."""
    token = fold(text.strip())
    if not token or any(ch.isspace() for ch in token):
        return False
    if token in ZERO_WORDS or token in NUMBER_WORDS or token in _UNKNOWN_TOKENS:
        return True
    return _BARE.fullmatch(token) is not None


# A colon between two digits is a time (10:30), not the end of a label.
_COLON = re.compile(r":(?!\d)|(?<!\d):")


def split_value(rest: str) -> tuple[str, str | None, bool]:
    """Label, value and whether a colon or cell break split them, for the rest of a line.

    The value is None when the line carries none (a heading, a toelichting line, prose).
    Cells are tab-separated; two or more spaces count as a cell break only before a bare value.
    """
    if rest.startswith(":"):
        return "", rest[1:].strip(), True
    colon = _COLON.search(rest)
    if colon:
        return rest[: colon.start()].strip(), rest[colon.end() :].strip(), True
    cells = [c.strip() for c in rest.split("\t") if c.strip()]
    if len(cells) > 1:
        return " ".join(cells[:-1]), cells[-1], True
    text = " ".join(cells)
    wide = re.split(r" {2,}", text)
    if len(wide) > 1 and is_bare(wide[-1]):
        return " ".join(wide[:-1]), wide[-1], True
    if is_bare(text):
        return "", text, False
    return text, None, False


# --- half years -------------------------------------------------------------------------------

_YEAR = r"(20\d\d)"
_ORDINAL = {"1e": 1, "1ste": 1, "eerste": 1, "2e": 2, "2de": 2, "tweede": 2}
_UNTIL = r"\s*(?:-|t/m|tm|tot en met|tot)\s*"


def _months(first: str, last: str, last_day: str) -> str:
    """`januari-juni 2026`, `jan t/m jun 2026`, `1 januari 2026 - 30 juni 2026`."""
    return (
        rf"(?:1\s+)?{first}\w*\.?(?:\s+{_YEAR})?{_UNTIL}(?:{last_day}\s+)?{last}\w*\.?\s+{_YEAR}"
    )


def _by_months(half: int) -> Callable[[re.Match[str]], Period | None]:
    """Both years, when two are written, must be the same one."""
    def build(m: re.Match[str]) -> Period | None:
        first_year, year = m.group(1), m.group(2)
        return Period(int(year), half) if first_year in (None, year) else None

    return build


_Build = Callable[[re.Match[str]], Period | None]


def _bounded(pattern: str) -> re.Pattern[str]:
    """Not inside a longer word or number: `2026-h1` but not `x2026-h1` or `2026-h12`."""
    return re.compile(rf"(?<![\w/]){pattern}(?![\w/])")


_PERIODS: tuple[tuple[re.Pattern[str], _Build], ...] = (
    (_bounded(rf"{_YEAR}\s*[-/]?\s*h\s*([12])"), lambda m: Period(int(m[1]), int(m[2]))),
    (_bounded(rf"h\s*([12])\s*[-/]?\s*{_YEAR}"), lambda m: Period(int(m[2]), int(m[1]))),
    (
        _bounded(rf"(1e|1ste|eerste|2e|2de|tweede)\s*(?:halfjaar|half jaar|helft)"
                 rf"(?:\s+(?:van|in))?\s+{_YEAR}"),
        lambda m: Period(int(m[2]), _ORDINAL[m[1]]),
    ),
    (_bounded(_months("jan", "jun", "30")), _by_months(1)),
    (_bounded(_months("jul", "dec", "31")), _by_months(2)),
)


def _find_periods(text: str) -> tuple[list[Period | None], str]:
    """Every period written in the text, and the text left over once they are taken out."""
    rest = " ".join(fold(text).replace("–", "-").replace("—", "-").split())
    found: list[Period | None] = []
    for pattern, build in _PERIODS:
        found += [build(m) for m in pattern.finditer(rest)]
        rest = pattern.sub(" ", rest)
    return found, rest


def parse_period(text: str) -> Period | None:
    """The one half year this value names (`2026-H1`, `1e halfjaar 2026`, `jan-jun 2026`).

    None when it names none, several, or carries other figures (`2026-1` is ambiguous).
    """
    found, rest = _find_periods(text)
    if len(set(found)) != 1 or None in found or _has_digit(rest):
        return None
    return found[0]


def period_from_subject(subject: str) -> Period | None:
    """The one half year written anywhere in a subject line; None when none or several."""
    found, _ = _find_periods(subject)
    if len(set(found)) != 1 or None in found:
        return None
    return found[0]
