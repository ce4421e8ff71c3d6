"""One line of a form as a person wrote it: a header field (`Gemeente: Utrecht`), a question
line (`1. Aantal opgelegde huisverboden: 12`, `7a: 4`, `Vraag 1: 12`), a problem, or nothing.

Lines without a value (the toelichting section, prose) yield nothing, but for a numbered line
(a `Mark`): the 2008 form writes question 7 as a heading `7. Aantal gestarte
hulpverleningstrajecten voor:` with `a. Uithuisgeplaatste: 3` lines under it (a `SubItem`),
which only the heading above them makes 7a. Each line is read on its own and in time linear in
its length; mailbot.reader.parse reads the text and carries the heading from line to line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mailbot.forms import KINDS, Form, load_form
from mailbot.reader.values import Flaw, count_remark, read_count, remark_changes_count, split_value
from mailbot.store.names import fits_any, fold, label_owner, label_words, name_key


@dataclass(frozen=True)
class Problem:
    """One thing that keeps a form from being stored, with the line it was found on.

    `code` is one of PROBLEM_CODES; `question` is the key of the question it concerns, or None
    for the header fields and for `unknown_question`. `detail` per code:

    - missing, org_missing, secret_missing, period_missing: "" (nothing was written)
    - negative, not_a_number, decimal, range, approximate, unknown_value: the value as written
    - conflict: the different values, comma-separated (`"12, 13"`)
    - remark_changes_count: the remark that says the count leaves part out or adds to it
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
class Field:
    """A header field of the form (`Gemeente: Utrecht`); `name` as _FIELD_LABELS names it."""

    name: str
    value: str
    line: str


@dataclass(frozen=True)
class Answer:
    """A question line; `result` is None when the value was left empty."""

    key: str
    line: str
    result: int | Problem | None
    remark: str = ""  # written after the count, describing part of it: kept as a note


@dataclass(frozen=True)
class Mark:
    """A numbered line without a value: the heading of a group's sub-items (`7.`), or a
    question's line left blank, which ends the sub-items of the heading above it."""

    key: str
    line: str


@dataclass(frozen=True)
class SubItem:
    """A lettered line (`a. Uithuisgeplaatste: 3`, `b) 2`): a sub-question of the group whose
    heading stands above it, else nothing. `marked`: a colon or cell break split it."""

    letter: str
    label: str
    value: str
    marked: bool
    line: str


Item = Field | Answer | Problem | Mark


@dataclass(frozen=True)
class Questions:
    """What reading a line needs of the form, worked out once per text instead of per line."""

    form: Form
    keys: frozenset[str]
    labels: dict[str, str]  # question key to label
    groups: dict[str, str]  # group key to its heading's label

    @classmethod
    def of(cls, form: Form) -> Questions:
        return cls(form, frozenset(form.keys), {q.key: q.label for q in form.questions},
                   {g.key: g.label for g in form.groups})


PROBLEM_CODES = (
    "missing", "negative", "not_a_number", "decimal", "range", "approximate", "unknown_value",
    "conflict", "remark_changes_count", "label_mismatch", "unknown_question", "org_missing",
    "secret_missing", "period_missing", "period_unreadable", "period_not_ended",
)

_FIELD_LABELS = {
    "gemeente": "org", "gemeentenaam": "org", "naam": "name", "uwnaam": "name",
    "emailadres": "email", "email": "email", "mailadres": "email",
    "wachtwoord": "secret", "geheim": "secret", "periode": "period",
}
# Name and e-mail also appear in ordinary signatures, so they alone do not make a form.
FORM_FIELDS = frozenset({"org", "secret", "period"})

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
# A sub-item line of the 2008 form: `a. ...`, `b) ...`, `c: ...` (one letter, then a mark).
_SUB_ITEM = re.compile(r"^\(?(?P<letter>[a-z])(?:\s*[.)]|(?=\s*:))\s*(?P<rest>.*)$",
                       re.IGNORECASE)


# Lines that may hold a secret field: found in the whole text at once, without a line loop.
_SECRET_LINE = re.compile(r"^.*(?:wachtwoord|geheim).*$", re.IGNORECASE | re.MULTILINE)


# A secret as the bot generates it (mailbot.login.passwords), alone on a line, quoted or not: the
# secret mail wrote it so before it put a label before it, and a reply may quote such a mail.
_SYMBOL = "[acdefghjkmnpqrtuvwxy34679]"
_GENERATED = rf"{_SYMBOL}{{4}}(?:-{_SYMBOL}{{4}}){{3}}"
_GENERATED_LINE = re.compile(rf"^[> \t]*+({_GENERATED})[ \t\r]*+$", re.IGNORECASE | re.MULTILINE)
GENERATED_SECRET = re.compile(_GENERATED, re.IGNORECASE)  # anywhere: worth a closer look


def typed_secrets(text: str) -> set[str]:
    """Every value written after a secret's label (`Wachtwoord:`) anywhere in `text`, quoted
    lines too, and every secret of the bot's making alone on a line: what must be masked
    wherever a copy of the mail is kept."""
    found: set[str] = set()
    for match in _SECRET_LINE.finditer(text):
        line = match.group().strip().lstrip("> ")
        field = _field_parts(_clean(line))
        if field and field[1] and _field_name(field[0]) == "secret":
            found.add(field[1])
    found.update(match.group(1) for match in _GENERATED_LINE.finditer(text))
    return found


# --- one line ---------------------------------------------------------------------------------


def read_line(raw: str, questions: Questions) -> Item | SubItem | None:
    """What one line says, on its own: a sub-item still needs the heading above it."""
    line = raw.strip()
    if not line or line.startswith(">"):
        return None
    clean = _clean(line)
    field = _field_parts(clean)
    if field and (name := _field_name(field[0])):
        return Field(name, field[1], line)
    question = _QUESTION.match(clean)
    if question:
        return _question_line(question, line, questions)
    item = _SUB_ITEM.match(clean)
    if item:
        return _sub_item(item, line)
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


def _question_line(m: re.Match[str], line: str, questions: Questions) -> Item | None:
    key = m["number"] + (m["letter"] or "").lower()
    label, value, split = split_value(m["rest"])
    if not value and key in questions.groups and fits_any(label, [questions.groups[key]]):
        return Mark(key, line)
    if value is None:
        return Mark(key, line)
    return _answer(key, label, value, split or bool(m["mark"].strip()), line, questions)


def _sub_item(m: re.Match[str], line: str) -> SubItem | None:
    label, value, split = split_value(m["rest"])
    if not value:  # `A. de Vries`: an initial, or a blank the heading's question reports
        return None
    return SubItem(m["letter"].lower(), label, value, split, line)


def sub_answer(item: SubItem, heading: Mark, questions: Questions) -> Item | None:
    """The lettered line `item` under the group heading `heading` (7 and `a.`: 7a)."""
    key = heading.key + item.letter
    return _answer(key, item.label, item.value, item.marked, item.line, questions)


def _answer(
    key: str, label: str, value: str, marked: bool, line: str, questions: Questions
) -> Item | None:
    """Question `key` answered `value` on `line`, its text `label` checked against the form."""
    if key not in questions.keys:
        return _stray(key, label, value, marked, line, questions.form)
    result = read_count(value)
    owner = label_owner(label, key, questions.labels)
    if result is None:
        return Answer(key, line, None) if owner is None else None
    if owner is None:
        return _counted(key, value, result, line, questions)
    if owner == "" and not isinstance(result, int):
        return None
    return Answer(key, line, Problem("label_mismatch", key, line, owner))


def _counted(
    key: str, value: str, result: int | Flaw, line: str, questions: Questions
) -> Answer:
    """Question `key` answered on `line`: the count with the remark written after it, or
    the problem with it (a remark that leaves part of the count out or adds to it is one)."""
    if isinstance(result, Flaw):
        return Answer(key, line, _problem(result, key, line))
    remark = count_remark(value)
    if remark and remark_changes_count(remark, questions.form.question(key).includes):
        return Answer(key, line, Problem("remark_changes_count", key, line, remark))
    return Answer(key, line, result, remark)


def _problem(result: int | Flaw, key: str, line: str) -> int | Problem:
    if isinstance(result, Flaw):
        return Problem(result.code, key, line, result.written)
    return result


def _stray(key: str, label: str, value: str, marked: bool, line: str, form: Form) -> Item | None:
    """A numbered line that is no question: a problem only when it plainly carries a value."""
    if not value or not marked:
        return None
    labels = [q.label for q in form.questions] + [g.label for g in form.groups]
    if fits_any(label, labels) or isinstance(read_count(value), int):
        return Problem("unknown_question", None, line, key)
    return None


def _labelled_line(clean: str, line: str, questions: Questions) -> Answer | None:
    """A line with a question's full label but no number (`Aantal opgelegde huisverboden: 12`)."""
    parts = _labelled_parts(clean)
    if parts is None or not (words := label_words(parts[0])):
        return None
    keys = [key for key, label in questions.labels.items() if label_words(label) == words]
    if len(keys) != 1:
        return None
    result = read_count(parts[1])
    if result is None:
        return Answer(keys[0], line, None)
    return _counted(keys[0], parts[1], result, line, questions)


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
