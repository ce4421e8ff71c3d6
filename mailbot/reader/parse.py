"""Text to answers for a form: what a careful person would read, or exactly what is wrong.

Each line is read on its own (mailbot.reader.lines) as a header field, a question line or nothing.
Then the lines per question are settled: one value is an answer, two different ones a
conflict, a bad one a problem.

A line `1 12` (number, space, bare value, nothing else) is read as question 1 with value 12;
with anything more after the number and no colon the line is treated as prose and skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mailbot.dates.periods import Period
from mailbot.forms import Form
from mailbot.reader import lines as line_reader
from mailbot.reader.lines import (
    FORM_FIELDS,
    PROBLEM_CODES,
    Answer,
    Field,
    Item,
    Mark,
    Problem,
    Questions,
    SubItem,
    typed_secrets,
)
from mailbot.reader.values import parse_period, period_from_subject
from mailbot.store.names import name_key

__all__ = [
    "PROBLEM_CODES", "Problem", "Reading", "Scan", "Scans", "name_key", "parse", "parse_period",
    "period_from_subject", "scan", "typed_secrets",
]


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
    notes: dict[str, str] = field(default_factory=dict)  # remarks kept with well-read answers
    fields: frozenset[str] = frozenset()  # header fields present, filled in or not: "secret", ...
    cut: bool = False  # the text had more lines than the form reader reads (Limits.form_lines)

    @property
    def has_form(self) -> bool:
        """A question line or a form header field (organisation, secret, period) was found."""
        return self.recognised


def parse(
    text: str, form: Form, *, now: datetime | None = None, default_period: Period | None = None,
    scans: Scans | None = None,
) -> Reading:
    """Read a filled-in form; every question left unanswered is `missing` when a form is seen.

    `scans` holds the readings of this message's texts made where reading is time-limited
    (mailbot.reader.reading); a text it does not hold is read here.
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
        notes={key: note for key, note in found.notes.items() if key in found.answers},
        fields=frozenset(fields),
        cut=found.cut,
    )


@dataclass(frozen=True)
class Scan:
    """What a text says whatever the period defaults to: all of a reading but the period."""

    fields: dict[str, Field]
    recognised: bool
    answers: dict[str, int]
    question_problems: list[Problem]
    header_problems: list[Problem]
    lines: tuple[str, ...]
    cut: bool = False
    notes: dict[str, str] = field(default_factory=dict)  # question key to the remarks kept


FORM_LINES = 2000  # lines of one text read (mailbot.reader.limits.Limits.form_lines)


_LineKey = tuple[str, int, str]  # form kind, form version, the line
_Read = Item | SubItem | None  # a line as read on its own


def scan(
    text: str, form: Form, max_lines: int = FORM_LINES,
    lines_read: dict[_LineKey, _Read] | None = None,
) -> Scan:
    """Read the first `max_lines` lines of `text` as `form`, period aside. `lines_read`
    remembers lines read before for this message (its texts share lines)."""
    questions = Questions.of(form)
    written = text.splitlines()
    cut = len(written) > max_lines
    known = {} if lines_read is None else lines_read
    read: list[_Read] = []
    for raw in written[:max_lines]:
        key = (form.kind, form.version, raw)
        if key not in known:
            known[key] = line_reader.read_line(raw, questions)
        read.append(known[key])
    items = _in_context(read, questions)
    fields = _choose_fields(items)
    recognised = any(
        isinstance(i, Answer) or (isinstance(i, Field) and i.name in FORM_FIELDS)
        for i in items
    )
    answers, question_problems = _settle_all(items, form, recognised)
    return Scan(fields, recognised, answers, question_problems, _header_problems(fields),
                _echo(items, fields), cut, _notes(items))


class Scans:
    """The form readings of one message's texts, by form and text; made once each.

    Lives as long as its message: nothing a person typed (a secret) is kept beyond it."""

    def __init__(self, max_lines: int = FORM_LINES) -> None:
        self._max_lines = max_lines
        self._found: dict[tuple[str, int, str], Scan] = {}
        self._lines: dict[_LineKey, _Read] = {}  # the texts share lines (fresh, both)

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


# --- the whole text ---------------------------------------------------------------------------


def _in_context(read: Sequence[_Read], questions: Questions) -> list[Item]:
    """The lines in order, each sub-item line read under the group heading above it (no
    other numbered line between them); the heading is kept, to be shown back, once a sub-item
    line follows it. One pass, the heading carried along."""
    items: list[Item] = []
    heading: Mark | None = None
    shown = False
    for item in read:
        if isinstance(item, SubItem):
            if heading is None or (answer := line_reader.sub_answer(item, heading,
                                                                    questions)) is None:
                continue
            items += [answer] if shown else [heading, answer]
            shown = True
        elif isinstance(item, Mark):
            heading = item if item.key in questions.groups else None
            shown = False
        elif item is not None:
            heading = None
            items.append(item)
    return items


def _choose_fields(items: Sequence[Item]) -> dict[str, Field]:
    """Per field its first filled-in line (a quoted blank template does not erase it)."""
    chosen: dict[str, Field] = {}
    for item in items:
        if not isinstance(item, Field):
            continue
        held = chosen.get(item.name)
        if held is None or (not held.value and item.value):
            chosen[item.name] = item
    return chosen


def _value(fields: dict[str, Field], name: str) -> str | None:
    field = fields.get(name)
    return field.value if field is not None and field.value else None


def _email(value: str | None) -> str | None:
    """`jan@x.nl <mailto:jan@x.nl>` as HTML mail turns into text is just the address."""
    if value is None:
        return None
    return value.split("<mailto:")[0].removeprefix("mailto:").strip(" <>") or None


def _settle_all(
    items: Sequence[Item], form: Form, recognised: bool
) -> tuple[dict[str, int], list[Problem]]:
    answers: dict[str, int] = {}
    problems: list[Problem] = []
    for q in form.questions:
        entries = [i for i in items if isinstance(i, Answer) and i.key == q.key]
        value, found = _settle(q.key, entries)
        if value is not None:
            answers[q.key] = value
        elif found:
            problems += found
        elif recognised:
            problems.append(Problem("missing", q.key, ""))
    problems += [i for i in items if isinstance(i, Problem)]
    return answers, problems


def _settle(key: str, entries: Sequence[Answer]) -> tuple[int | None, list[Problem]]:
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


def _notes(items: Sequence[Item]) -> dict[str, str]:
    """Per question the remarks written after its counts, each once, in order."""
    notes: dict[str, dict[str, None]] = {}
    for item in items:
        if isinstance(item, Answer) and item.remark:
            notes.setdefault(item.key, {})[item.remark] = None
    return {key: "; ".join(remarks) for key, remarks in notes.items()}


def _header_problems(fields: dict[str, Field]) -> list[Problem]:
    problems = []
    for name, code in (("org", "org_missing"), ("secret", "secret_missing")):
        if _value(fields, name) is None:
            field = fields.get(name)
            problems.append(Problem(code, None, field.line if field else ""))
    return problems


def _period(
    field: Field | None, default: Period | None, now: datetime
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


def _echo(items: Sequence[Item], fields: dict[str, Field]) -> tuple[str, ...]:
    """The lines read, to show back: never the secret, one blank line per unanswered question."""
    answered = {i.key for i in items if isinstance(i, Answer) and i.result is not None}
    shown: list[str] = []
    blank_shown: set[str] = set()
    for item in items:
        if isinstance(item, Field):
            if item.name != "secret" and fields.get(item.name) is item:
                shown.append(item.line)
        elif isinstance(item, Problem | Mark) or item.result is not None:
            shown.append(item.line)
        elif item.key not in answered and item.key not in blank_shown:
            blank_shown.add(item.key)
            shown.append(item.line)
    return tuple(shown)
