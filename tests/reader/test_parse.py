"""A whole reply read as a form: header fields, the period, the template and its toelichting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailbot.dates.periods import Period
from mailbot.forms import load_form
from mailbot.reader import lines
from mailbot.reader.parse import Problem, Scans, parse
from tests.mails import filled_form, template_text

NOW = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)
GEMEENTE = load_form("gemeente")
POLITIE = load_form("politie")
ALL_KEYS = GEMEENTE.keys


def codes(text: str, **kwargs: object) -> list[str]:
    return [p.code for p in parse(text, GEMEENTE, now=NOW, **kwargs).problems]  # type: ignore[arg-type]


def test_a_filled_form_is_read_completely() -> None:
    values = {key: n for n, key in enumerate(ALL_KEYS)}
    reading = parse(filled_form("Utrecht", "k7mq-x3rt-hc9w-pa4e", values), GEMEENTE, now=NOW)
    assert reading.answers == values
    assert reading.problems == ()
    assert reading.has_form
    assert (reading.org_name, reading.person_name, reading.secret) == (
        "Utrecht", "J. de Vries", "k7mq-x3rt-hc9w-pa4e")
    assert reading.email is None
    assert (reading.period, reading.period_text) == (Period(2026, 1), "2026-H1")


def test_the_blank_template_is_a_form_with_everything_missing() -> None:
    reading = parse(template_text(), GEMEENTE, now=NOW)
    assert reading.has_form
    assert reading.answers == {}
    assert reading.period == Period(2026, 1)
    missing = [p.question for p in reading.problems if p.code == "missing"]
    assert missing == list(ALL_KEYS)
    assert {p.code for p in reading.problems} == {"missing", "org_missing", "secret_missing"}


def test_the_toelichting_section_yields_nothing() -> None:
    text = template_text()
    toelichting = text[text.index("Toelichting bij de vragen"):]
    reading = parse(toelichting, GEMEENTE, now=NOW)
    assert not reading.has_form
    assert (reading.answers, reading.problems, reading.lines) == ({}, (), ())


def test_a_filled_template_keeps_its_toelichting_silent() -> None:
    text = template_text(org="Utrecht").replace("Wachtwoord:", "Wachtwoord: geheim-woord")
    for key in ALL_KEYS:
        label = GEMEENTE.question(key).label
        text = text.replace(f"{key}. {label}:\n", f"{key}. {label}: 1\n")
    reading = parse(text, GEMEENTE, now=NOW)
    assert reading.answers == dict.fromkeys(ALL_KEYS, 1)
    assert reading.problems == ()


def test_prose_is_no_form() -> None:
    text = "Beste,\n\nIk heb een vraag over het formulier.\n\nGroet,\nJan\nE-mail: jan@x.nl\n"
    reading = parse(text, GEMEENTE, now=NOW)
    assert not reading.has_form
    assert reading.problems == ()
    assert reading.email == "jan@x.nl"


@pytest.mark.parametrize(
    ("line", "attribute", "value"),
    [
        ("Gemeente: Utrecht", "org_name", "Utrecht"),
        ("gemeente : 's-Hertogenbosch", "org_name", "'s-Hertogenbosch"),
        ("GEMEENTE:Utrecht", "org_name", "Utrecht"),
        ("Gemeente\tUtrecht", "org_name", "Utrecht"),
        ("*Gemeente:* Utrecht", "org_name", "Utrecht"),
        ("Politie-eenheid: Midden-Nederland", "org_name", "Midden-Nederland"),
        ("Naam: Jan de Vries", "person_name", "Jan de Vries"),
        ("naam :Jan", "person_name", "Jan"),
        ("E-mailadres: jan@utrecht.nl", "email", "jan@utrecht.nl"),
        ("Email: jan@utrecht.nl", "email", "jan@utrecht.nl"),
        ("E-mail: jan@utrecht.nl <mailto:jan@utrecht.nl>", "email", "jan@utrecht.nl"),
        ("Wachtwoord: K7mq x3rt-HC9W ", "secret", "K7mq x3rt-HC9W"),
        ("Geheim: abc-def", "secret", "abc-def"),
        ("wachtwoord:abc", "secret", "abc"),
        ("Periode: 1e halfjaar 2026", "period_text", "1e halfjaar 2026"),
    ],
)
def test_header_fields(line: str, attribute: str, value: str) -> None:
    assert getattr(parse(line, GEMEENTE, now=NOW), attribute) == value


def test_an_empty_header_field_is_none_and_a_problem() -> None:
    reading = parse("Gemeente:\nWachtwoord:  \nPeriode: 2026-H1\n1: 3", GEMEENTE, now=NOW)
    assert (reading.org_name, reading.secret) == (None, None)
    assert reading.problems[:2] == (
        Problem("org_missing", None, "Gemeente:"), Problem("secret_missing", None, "Wachtwoord:"))


def test_the_first_filled_in_header_field_counts() -> None:
    text = "Gemeente: Utrecht\nGemeente:\nGemeente: Zeist\nNaam:\nNaam: Jan\nWachtwoord: a\n"
    reading = parse(text, GEMEENTE, now=NOW)
    assert (reading.org_name, reading.person_name) == ("Utrecht", "Jan")


def test_police_form_accepts_its_own_and_the_municipal_org_label() -> None:
    for label in ("Politie-eenheid", "Gemeente", "politie eenheid"):
        reading = parse(f"{label}: Oost-Brabant\n1: 3", POLITIE, now=NOW)
        assert reading.org_name == "Oost-Brabant"


def test_the_police_template_blank_and_filled() -> None:
    blank = parse(template_text(kind="politie"), POLITIE, now=NOW)
    assert blank.has_form and blank.answers == {}
    assert [p.question for p in blank.problems if p.code == "missing"] == list(POLITIE.keys)
    text = template_text(org="Oost-Brabant", kind="politie")
    for key in POLITIE.keys:
        label = POLITIE.question(key).label
        text = text.replace(f"{key}. {label}:\n", f"{key}. {label}: {key}0\n")
    filled = parse(text.replace("Wachtwoord:", "Wachtwoord: x"), POLITIE, now=NOW)
    assert filled.org_name == "Oost-Brabant"
    assert filled.answers == {"1": 10, "2": 20, "3": 30, "4": 40, "5": 50}
    assert filled.problems == ()


H1 = Period(2026, 1)
FORM = "Gemeente: Utrecht\nWachtwoord: x\n1: 3\n"


@pytest.mark.parametrize(
    ("periode", "default", "period", "problem"),
    [
        ("Periode: 2026-H1", None, H1, None),
        ("Periode: H1 2026", Period(2025, 2), H1, None),  # the written period wins
        ("Periode:", H1, H1, None),
        ("", H1, H1, None),
        ("", None, None, Problem("period_missing", None, "")),
        ("Periode:", None, None, Problem("period_missing", None, "Periode:")),
        ("Periode: zomer", H1, None, Problem("period_unreadable", None, "Periode: zomer", "zomer")),
        ("Periode: 2026-1", None, None,
         Problem("period_unreadable", None, "Periode: 2026-1", "2026-1")),
        ("Periode: 2026-H2", None, Period(2026, 2),
         Problem("period_not_ended", None, "Periode: 2026-H2", "2026-H2")),
        ("", Period(2026, 2), Period(2026, 2), Problem("period_not_ended", None, "", "2026-H2")),
    ],
)
def test_the_period_rule(
    periode: str, default: Period | None, period: Period | None, problem: Problem | None
) -> None:
    reading = parse(f"{periode}\n{FORM}", GEMEENTE, now=NOW, default_period=default)
    assert reading.period == period
    header = [p for p in reading.problems if p.question is None]
    assert header == ([problem] if problem else [])


def _lines_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    read_line = lines.read_line
    monkeypatch.setattr(lines, "read_line",
                        lambda raw, questions: read.append(raw) or read_line(raw, questions))
    return read


def test_a_text_read_again_with_another_default_period_is_not_scanned_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The read-ahead thread reads a submission for its login, the pipeline for its figures;
    # the message's own Scans (made by the reading worker) serve both.
    read = _lines_read(monkeypatch)
    text = f"Zonder periode, twee keer gelezen\n{FORM}"
    scans = Scans()

    first = parse(text, GEMEENTE, now=NOW, scans=scans)
    second = parse(text, GEMEENTE, now=NOW, default_period=H1, scans=scans)

    assert len(read) == len(text.splitlines())
    assert (first.period, second.period) == (None, H1)
    missing = ["missing"] * (len(GEMEENTE.keys) - 1)
    assert [p.code for p in first.problems] == ["period_missing", *missing]
    assert [p.code for p in second.problems] == missing
    assert first.answers == second.answers == {"1": 3} and first.answers is not second.answers


def test_nothing_read_is_kept_between_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    # No process-wide memory of texts: a typed secret lives as long as its message.
    read = _lines_read(monkeypatch)
    text = filled_form("Utrecht", "k7mq-x3rt-hc9w-pa4e", {})

    parse(text, GEMEENTE, now=NOW)
    parse(text, GEMEENTE, now=NOW)

    assert len(read) == 2 * len(text.splitlines())


def test_lines_past_the_limit_are_not_read_and_the_reading_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = _lines_read(monkeypatch)
    text = FORM + "".join(f"geen vraag {n}\n" for n in range(50)) + "2. Aantal: 4\n"

    short = parse(text, GEMEENTE, now=NOW, scans=Scans(max_lines=20))

    assert len(read) == 20 and short.cut and short.answers == {"1": 3}
    assert parse(text, GEMEENTE, now=NOW).answers == {"1": 3, "2": 4}
    assert not parse(text, GEMEENTE, now=NOW).cut


def test_a_period_ends_at_midnight_on_the_first_of_july_dutch_time() -> None:
    text = f"Periode: 2026-H1\n{FORM}"
    early = parse(text, GEMEENTE, now=datetime(2026, 6, 30, 21, 59, tzinfo=UTC))  # 23:59 CEST
    assert [p.code for p in early.problems] == ["period_not_ended"] + ["missing"] * 11
    assert parse(text, GEMEENTE, now=datetime(2026, 6, 30, 22, 0, tzinfo=UTC)).problems[:1] == (
        Problem("missing", "2", ""),)


def test_now_defaults_to_the_present() -> None:
    reading = parse(f"Periode: 2099-H1\n{FORM}", GEMEENTE)
    assert "period_not_ended" in [p.code for p in reading.problems]


def test_without_a_form_there_are_no_header_problems() -> None:
    reading = parse("Naam: Jan\nHallo", GEMEENTE, now=NOW)
    assert not reading.has_form and reading.problems == ()
    assert reading.person_name == "Jan"


def test_lines_echo_what_was_read_but_never_the_secret() -> None:
    text = (
        "Gemeente: Utrecht\nNaam: Jan\nWachtwoord: k7mq-x3rt\nPeriode: 2026-H1\n"
        "Beste mensen, hierbij de cijfers.\n1: 12\n2. Aantal geweigerde huisverboden: veel\n"
        "11. foo: 3\n"
        "> Gemeente:\n1. Aantal opgelegde huisverboden:\n3. Aantal keren inschakeling raadsman:\n"
        "3. Aantal keren inschakeling raadsman:\n"
    )
    reading = parse(text, GEMEENTE, now=NOW)
    assert reading.lines == (
        "Gemeente: Utrecht", "Naam: Jan", "Periode: 2026-H1", "1: 12",
        "2. Aantal geweigerde huisverboden: veel", "11. foo: 3",
        "3. Aantal keren inschakeling raadsman:",
    )
    assert all("k7mq" not in p.line and "k7mq" not in p.detail for p in reading.problems)


def test_problems_come_in_form_order_after_the_header() -> None:
    text = "Gemeente: Utrecht\nPeriode: 2026-H1\n11: 1\n10: veel\n1: -2\n" + "\n".join(
        f"{k}: 1" for k in ALL_KEYS if k not in ("1", "10", "5"))
    assert codes(text) == ["secret_missing", "negative", "missing", "unknown_value",
                           "unknown_question"]
