"""Text to answers for a form: what a careful person would read, or exactly what is wrong.

Each line is read on its own as a header field (`Gemeente: Utrecht`), a question line
(`1. Aantal opgelegde huisverboden: 12`, `7a: 4`, `Vraag 1: 12`) or nothing. Lines without a
value (headings, the toelichting section, prose) yield nothing at all. Then the lines per
question are settled: one value is an answer, two different ones a conflict, a bad one a problem.

A line `1 12` (number, space, bare value, nothing else) is read as question 1 with value 12;
with anything more after the number and no colon the line is treated as prose and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from mailbot.forms import KINDS, Form, load_form
from mailbot.names import fits_any, fold, label_owner, label_words, name_key
from mailbot.periods import Period
from mailbot.values import Flaw, parse_period, period_from_subject, read_count, split_value

__all__ = [
    "PROBLEM_CODES", "Problem", "Reading", "Scan", "Scans", "name_key", "parse", "parse_period",
    "period_from_subject", "scan",
]


@dataclass(frozen=True)
class Problem:
    """One thing that keeps a form from being stored, with the line it was found on.

    `code` is one of PROBLEM_CODES; `question` is the key of the question it concerns, or None
    for the header fields and for `unknown_question`. `detail` per code:

    - missing, org_missing, secret_missing, period_missing: "" (nothing was written)
    - negative, not_a_number, decimal, range, approximate, unknown_value: the value as written
    - conflict: the different values, comma-separated (`"12, 13"`)
    - label_mismatch: the key of the question whose label the line's text fits, or "" when
      it fits none (`question` is the number written)
    - unknown_question: the number written (`"11"`), a question the form does not have
    - period_unreadable: the period as written; period_not_ended: the period (`"2026-H2"`)
    """

    code: str
    question: str | None
    line: str
    detail: str = ""


@dataclass(frozen=True)
class Reading:
    """All that was read from one text; `answers` holds only the well-read questions."""

    org_name: str | None
    person_name: str | None
    email: str | None
    secret: str | None
    period: Period | None
    period_text: str | None
    answers: dict[str, int]
    problems: tuple[Problem, ...]
    lines: tuple[str, ...]
    recognised: bool = False
    fields: frozenset[str] = frozenset()  # header fields present, filled in or not: "secret", ...
    cut: bool = False  # the text had more lines than the form reader reads (Limits.form_lines)

    @property
    def has_form(self) -> bool:
        """A question line or a form header field (organisation, secret, period) was found."""
        return self.recognised


@dataclass(frozen=True)
class _Field:
    name: str
    value: str
    line: str


@dataclass(frozen=True)
class _Answer:
    """A question line; `result` is None when the value was left empty."""

    key: str
    line: str
    result: int | Problem | None


_Item = _Field | _Answer | Problem


@dataclass(frozen=True)
class _Questions:
    """What reading a line needs of the form, worked out once per text instead of per line."""

    form: Form
    keys: frozenset[str]
    labels: dict[str, str]  # question key to label

    @classmethod
    def of(cls, form: Form) -> _Questions:
        return cls(form, frozenset(form.keys), {q.key: q.label for q in form.questions})


PROBLEM_CODES = (
    "missing", "negative", "not_a_number", "decimal", "range", "approximate", "unknown_value",
    "conflict", "label_mismatch", "unknown_question", "org_missing", "secret_missing",
    "period_missing", "period_unreadable", "period_not_ended",
)

_FIELD_LABELS = {
    "gemeente": "org", "gemeentenaam": "org", "naam": "name", "uwnaam": "name",
    "emailadres": "email", "email": "email", "mailadres": "email",
    "wachtwoord": "secret", "geheim": "secret", "periode": "period",
}
# Name and e-mail also appear in ordinary signatures, so they alone do not make a form.
_FORM_FIELDS = frozenset({"org", "secret", "period"})

_INVISIBLE = {ord(ch): None for ch in "\u200b\u200c\u200d\u2060\ufeff\u00ad*"}
_SPACES = {ord(ch): " " for ch in "\u00a0\u2002\u2003\u2007\u2009\u202f"}
_BULLET = re.compile(r"^(?:[-•·◦▪‣–—+o]\s+)+")
# A field label: a letter and at most 30 more word characters, spaces or hyphens.
_FIELD_LABEL = re.compile(r"[^\W\d_][\w -]{0,30}")
_QUESTION = re.compile(
    r"^\(?(?:vraag\s*)?(?P<number>[1-9]\d?)(?!\d)\s*(?P<letter>[a-z](?![a-z]))?"
    r"(?=\s|[.)](?!\d)|:|$)(?P<mark>\s*[.)]?)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)


def parse(
    text: str, form: Form, *, now: datetime | None = None, default_period: Period | None = None,
    scans: Scans | None = None,
) -> Reading:
    """Read a filled-in form; every question left unanswered is `missing` when a form is seen.

    `scans` holds the readings of this message's texts made where reading is time-limited
    (mailbot.reading); a text it does not hold is read here.
    """
    found = scans.of(text, form) if scans is not None else scan(text, form)
    fields = found.fields
    period_field = fields.get("period")
    period, period_problems = _period(period_field, default_period, now or datetime.now(UTC))
    header_problems = found.header_problems + period_problems if found.recognised else []
    return Reading(
        org_name=_value(fields, "org"),
        person_name=_value(fields, "name"),
        email=_email(_value(fields, "email")),
        secret=_value(fields, "secret"),
        period=period,
        period_text=period_field.value if period_field and period_field.value else None,
        answers=dict(found.answers),
        problems=tuple(header_problems + found.question_problems),
        lines=found.lines,
        recognised=found.recognised,
        fields=frozenset(fields),
        cut=found.cut,
    )


@dataclass(frozen=True)
class Scan:
    """What a text says whatever the period defaults to: all of a reading but the period."""

    fields: dict[str, _Field]
    recognised: bool
    answers: dict[str, int]
    question_problems: list[Problem]
    header_problems: list[Problem]
    lines: tuple[str, ...]
    cut: bool = False


FORM_LINES = 2000  # lines of one text read (mailbot.mail.limits.Limits.form_lines)


_LineKey = tuple[str, int, str]  # form kind, form version, the line


def scan(
    text: str, form: Form, max_lines: int = FORM_LINES,
    lines_read: dict[_LineKey, _Item | None] | None = None,
) -> Scan:
    """Read the first `max_lines` lines of `text` as `form`, period aside. `lines_read`
    remembers lines read before for this message (its texts share lines)."""
    questions = _Questions.of(form)
    lines = text.splitlines()
    cut = len(lines) > max_lines
    known = {} if lines_read is None else lines_read
    items: list[_Item] = []
    for raw in lines[:max_lines]:
        key = (form.kind, form.version, raw)
        item = known[key] if key in known else known.setdefault(key, _read_line(raw, questions))
        if item is not None:
            items.append(item)
    fields = _choose_fields(items)
    recognised = any(
        isinstance(i, _Answer) or (isinstance(i, _Field) and i.name in _FORM_FIELDS)
        for i in items
    )
    answers, question_problems = _settle_all(items, form, recognised)
    return Scan(fields, recognised, answers, question_problems, _header_problems(fields),
                _echo(items, fields), cut)


class Scans:
    """The form readings of one message's texts, by form and text; made once each.

    Lives as long as its message: nothing a person typed (a secret) is kept beyond it."""

    def __init__(self, max_lines: int = FORM_LINES) -> None:
        self._max_lines = max_lines
        self._found: dict[tuple[str, int, str], Scan] = {}
        self._lines: dict[_LineKey, _Item | None] = {}  # the texts share lines (fresh, both)

    def of(self, text: str, form: Form) -> Scan:
        """The reading of `text` as `form`, made now unless it was made before."""
        key = (form.kind, form.version, text)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = scan(text, form, self._max_lines, self._lines)
        return found

    def __getstate__(self) -> dict[str, object]:
        # Sent from the reading worker: the readings, not the lines they were made of.
        return {"_max_lines": self._max_lines, "_found": self._found, "_lines": {}}


# Lines that may hold a secret field: found in the whole text at once, without a line loop.
_SECRET_LINE = re.compile(r"^.*(?:wachtwoord|geheim).*$", re.IGNORECASE | re.MULTILINE)


def typed_secrets(text: str) -> set[str]:
    """Every value written after a secret's label (`Wachtwoord:`) anywhere in `text`, quoted
    lines too: what must be masked wherever a copy of the mail is kept."""
    found: set[str] = set()
    for match in _SECRET_LINE.finditer(text):
        line = match.group().strip().lstrip("> ")
        field = _field_parts(_clean(line))
        if field and field[1] and _field_name(field[0]) == "secret":
            found.add(field[1])
    return found


# --- one line ---------------------------------------------------------------------------------


def _read_line(raw: str, questions: _Questions) -> _Item | None:
    line = raw.strip()
    if not line or line.startswith(">"):
        return None
    clean = _clean(line)
    field = _field_parts(clean)
    if field and (name := _field_name(field[0])):
        return _Field(name, field[1], line)
    question = _QUESTION.match(clean)
    if question:
        return _question_line(question, line, questions)
    return _labelled_line(clean, line, questions)


def _clean(line: str) -> str:
    """Without bold markers, odd spaces and bullets; table bars become cell breaks."""
    if line.isascii():  # of the characters translated, only '*' is ASCII
        text = line.replace("*", "").replace("|", "\t").strip()
    else:
        text = line.translate(_INVISIBLE).translate(_SPACES).replace("|", "\t").strip()
    return _BULLET.sub("", text)


def _field_parts(clean: str) -> tuple[str, str] | None:
    """Label and value of `Label: value` or `Label<TAB>value`, the label a letter and up to 30
    word characters, spaces or hyphens; only white space between the label and the separator.

    By hand rather than one pattern: a pattern that tries every label length runs over a long
    stretch of white space once for each.
    """
    match = _FIELD_LABEL.match(clean)
    if match is None:
        return None
    label, rest = match.group(), clean[match.end():]
    value = rest.lstrip()
    if value.startswith(":"):
        return label.rstrip(" "), value[1:].strip()
    if "\t" in rest[:len(rest) - len(value)]:  # a tab (a table cell) in the white space
        return label.rstrip(" "), value.strip()
    return None


def _field_name(label: str) -> str | None:
    key = "".join(ch for ch in fold(label) if ch.isalnum())
    return "org" if key in _org_labels() else _FIELD_LABELS.get(key)


@cache
def _org_labels() -> frozenset[str]:
    """Every form's organisation label: the first reading happens before the kind is known."""
    return frozenset(name_key(load_form(kind).org_field) for kind in KINDS)


def _question_line(m: re.Match[str], line: str, questions: _Questions) -> _Item | None:
    key = m["number"] + (m["letter"] or "").lower()
    label, value, split = split_value(m["rest"])
    if value is None:
        return None
    if key not in questions.keys:
        return _stray(key, label, value, split or bool(m["mark"].strip()), line, questions.form)
    result = read_count(value)
    owner = label_owner(label, key, questions.labels)
    if result is None:
        return _Answer(key, line, None) if owner is None else None
    if owner is None:
        return _Answer(key, line, _problem(result, key, line))
    if owner == "" and not isinstance(result, int):
        return None
    return _Answer(key, line, Problem("label_mismatch", key, line, owner))


def _problem(result: int | Flaw, key: str, line: str) -> int | Problem:
    if isinstance(result, Flaw):
        return Problem(result.code, key, line, result.written)
    return result


def _stray(key: str, label: str, value: str, marked: bool, line: str, form: Form) -> _Item | None:
    """A numbered line that is no question: a problem only when it plainly carries a value."""
    if not value or not marked:
        return None
    labels = [q.label for q in form.questions] + [g.label for g in form.groups]
    if fits_any(label, labels) or isinstance(read_count(value), int):
        return Problem("unknown_question", None, line, key)
    return None


def _labelled_line(clean: str, line: str, questions: _Questions) -> _Answer | None:
    """A line with a question's full label but no number (`Aantal opgelegde huisverboden: 12`)."""
    parts = _labelled_parts(clean)
    if parts is None or not (words := label_words(parts[0])):
        return None
    keys = [key for key, label in questions.labels.items() if label_words(label) == words]
    if len(keys) != 1:
        return None
    result = read_count(parts[1])
    return _Answer(keys[0], line, None if result is None else _problem(result, keys[0], line))


def _labelled_parts(clean: str) -> tuple[str, str] | None:
    """Label and value split at the first colon or tab; None when there is none, when it is a
    colon before a digit (`10:30`), or when the line starts with a digit."""
    if not clean or clean[0].isdigit() or clean[0] in ":\t":
        return None
    colon, tab = clean.find(":"), clean.find("\t")
    at = min(colon, tab) if colon >= 0 and tab >= 0 else max(colon, tab)
    if at < 0 or (at == colon and clean[at + 1:at + 2].isdigit()):
        return None
    return clean[:at].rstrip(), clean[at + 1:].strip()


# --- the whole text ---------------------------------------------------------------------------


def _choose_fields(items: Sequence[_Item]) -> dict[str, _Field]:
    """Per field its first filled-in line (a quoted blank template does not erase it)."""
    chosen: dict[str, _Field] = {}
    for item in items:
        if not isinstance(item, _Field):
            continue
        held = chosen.get(item.name)
        if held is None or (not held.value and item.value):
            chosen[item.name] = item
    return chosen


def _value(fields: dict[str, _Field], name: str) -> str | None:
    field = fields.get(name)
    return field.value if field is not None and field.value else None


def _email(value: str | None) -> str | None:
    """`jan@x.nl <mailto:jan@x.nl>` as HTML mail turns into text is just the address."""
    if value is None:
        return None
    return value.split("<mailto:")[0].removeprefix("mailto:").strip(" <>") or None


def _settle_all(
    items: Sequence[_Item], form: Form, recognised: bool
) -> tuple[dict[str, int], list[Problem]]:
    answers: dict[str, int] = {}
    problems: list[Problem] = []
    for q in form.questions:
        entries = [i for i in items if isinstance(i, _Answer) and i.key == q.key]
        value, found = _settle(q.key, entries)
        if value is not None:
            answers[q.key] = value
        elif found:
            problems += found
        elif recognised:
            problems.append(Problem("missing", q.key, ""))
    problems += [i for i in items if isinstance(i, Problem)]
    return answers, problems


def _settle(key: str, entries: Sequence[_Answer]) -> tuple[int | None, list[Problem]]:
    """One value is the answer; any bad line or two different values mean no answer."""
    flawed = [e.result for e in entries if isinstance(e.result, Problem)]
    if flawed:
        return None, list(dict.fromkeys(flawed))
    values = [(e.result, e.line) for e in entries if isinstance(e.result, int)]
    distinct = list(dict.fromkeys(v for v, _ in values))
    if len(distinct) > 1:
        line = next(text for v, text in values if v != distinct[0])
        return None, [Problem("conflict", key, line, ", ".join(map(str, distinct)))]
    return (distinct[0] if distinct else None), []


def _header_problems(fields: dict[str, _Field]) -> list[Problem]:
    problems = []
    for name, code in (("org", "org_missing"), ("secret", "secret_missing")):
        if _value(fields, name) is None:
            field = fields.get(name)
            problems.append(Problem(code, None, field.line if field else ""))
    return problems


def _period(
    field: _Field | None, default: Period | None, now: datetime
) -> tuple[Period | None, list[Problem]]:
    """The `Periode:` line first, else the caller's default; it must have ended by now."""
    period = default
    if field is not None and field.value:
        period = parse_period(field.value)
        if period is None:
            return None, [Problem("period_unreadable", None, field.line, field.value)]
    if period is None:
        return None, [Problem("period_missing", None, field.line if field else "")]
    if not period.has_ended(now):
        return period, [Problem("period_not_ended", None, field.line if field else "", str(period))]
    return period, []


def _echo(items: Sequence[_Item], fields: dict[str, _Field]) -> tuple[str, ...]:
    """The lines read, to show back: never the secret, one blank line per unanswered question."""
    answered = {i.key for i in items if isinstance(i, _Answer) and i.result is not None}
    shown: list[str] = []
    blank_shown: set[str] = set()
    for item in items:
        if isinstance(item, _Field):
            if item.name != "secret" and fields.get(item.name) is item:
                shown.append(item.line)
        elif isinstance(item, Problem) or item.result is not None:
            shown.append(item.line)
        elif item.key not in answered and item.key not in blank_shown:
            blank_shown.add(item.key)
            shown.append(item.line)
    return tuple(shown)
