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
from functools import cache, lru_cache

from mailbot.forms import KINDS, Form, load_form
from mailbot.names import fits_any, fold, label_owner, label_words, name_key
from mailbot.periods import Period
from mailbot.values import Flaw, parse_period, period_from_subject, read_count, split_value

__all__ = [
    "PROBLEM_CODES", "Problem", "Reading", "name_key", "parse", "parse_period",
    "period_from_subject",
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
_FIELD = re.compile(r"^(?P<label>[^\W\d_][\w -]{0,30}?)\s*(?::|\t)\s*(?P<value>.*)$")
_QUESTION = re.compile(
    r"^\(?(?:vraag\s*)?(?P<number>[1-9]\d?)(?!\d)\s*(?P<letter>[a-z](?![a-z]))?"
    r"(?=\s|[.)](?!\d)|:|$)(?P<mark>\s*[.)]?)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_LABELLED = re.compile(r"^(?P<label>[^\d:\t][^:\t]*?)\s*(?::(?!\d)|\t)\s*(?P<value>.*)$")


def parse(
    text: str, form: Form, *, now: datetime | None = None, default_period: Period | None = None
) -> Reading:
    """Read a filled-in form; every question left unanswered is `missing` when a form is seen."""
    scan = _scan(text, form) if len(text) <= REMEMBERED_TEXT else _scan.__wrapped__(text, form)
    fields = scan.fields
    period_field = fields.get("period")
    period, period_problems = _period(period_field, default_period, now or datetime.now(UTC))
    header_problems = scan.header_problems + period_problems if scan.recognised else []
    return Reading(
        org_name=_value(fields, "org"),
        person_name=_value(fields, "name"),
        email=_email(_value(fields, "email")),
        secret=_value(fields, "secret"),
        period=period,
        period_text=period_field.value if period_field and period_field.value else None,
        answers=dict(scan.answers),
        problems=tuple(header_problems + scan.question_problems),
        lines=scan.lines,
        recognised=scan.recognised,
        fields=frozenset(fields),
    )


@dataclass(frozen=True)
class _Scan:
    """What a text says whatever the period defaults to: all of a reading but the period."""

    fields: dict[str, _Field]
    recognised: bool
    answers: dict[str, int]
    question_problems: list[Problem]
    header_problems: list[Problem]
    lines: tuple[str, ...]


REMEMBERED_TEXT = 16 * 1024  # characters (64 of them: 4 MB at most); longer ones are read again


# The read-ahead thread reads a submission's text for its login before the pipeline reads it
# for the figures: remembered, the second reading costs nothing. (Shared between threads: no
# caller changes a scan; `parse` copies what a Reading hands out.)
@lru_cache(maxsize=64)
def _scan(text: str, form: Form) -> _Scan:
    questions = _Questions.of(form)
    items = [item for raw in text.splitlines()
             if (item := _read_line(raw, questions)) is not None]
    fields = _choose_fields(items)
    recognised = any(
        isinstance(i, _Answer) or (isinstance(i, _Field) and i.name in _FORM_FIELDS)
        for i in items
    )
    answers, question_problems = _settle_all(items, form, recognised)
    return _Scan(fields, recognised, answers, question_problems, _header_problems(fields),
                 _echo(items, fields))


# --- one line ---------------------------------------------------------------------------------


def _read_line(raw: str, questions: _Questions) -> _Item | None:
    line = raw.strip()
    if not line or line.startswith(">"):
        return None
    clean = _clean(line)
    field = _FIELD.match(clean)
    if field and (name := _field_name(field["label"])):
        return _Field(name, field["value"].strip(), line)
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
    m = _LABELLED.match(clean)
    if m is None or not (words := label_words(m["label"])):
        return None
    keys = [key for key, label in questions.labels.items() if label_words(label) == words]
    if len(keys) != 1:
        return None
    result = read_count(m["value"])
    return _Answer(keys[0], line, None if result is None else _problem(result, keys[0], line))


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
