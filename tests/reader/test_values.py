"""Counts and half years as staff write them: read exactly, or refused with a reason."""

from __future__ import annotations

import pytest

from mailbot.dates.periods import Period
from mailbot.reader.values import (
    Flaw,
    is_bare,
    parse_period,
    period_from_subject,
    read_count,
    split_value,
)

COUNTS = [
    ("0", 0),
    ("12", 12),
    (" 12 ", 12),
    ("012", 12),
    ("12.", 12),
    ("geen", 0),
    ("Geen", 0),
    ("GEEN", 0),
    ("nul", 0),
    ("Nul.", 0),
    ("-", 0),
    ("–", 0),
    ("—", 0),
    ("geen huisverboden", 0),
    ("geen verlengingen", 0),
    ("geen enkele", 0),
    ("1.234", 1234),
    ("12.345.678", 12345678),
    ("1 234", 1234),
    ("1\u00a0234", 1234),
    ("1.500", 1500),
    ("12 huisverboden", 12),
    ("12 keer", 12),
    ("3 stuks", 3),
    ("12 (waarvan 3 mondeling)", 12),
    ("12 huisverboden (waarvan 3 mondeling)", 12),
    ("12, waarvan 3 mondeling", 12),
    ("0 (nul)", 0),
    ("twee", 2),
    ("één", 1),
    ("twaalf", 12),
]


@pytest.mark.parametrize(("written", "count"), COUNTS)
def test_counts_that_are_read(written: str, count: int) -> None:
    assert read_count(written) == count


FLAWS = [
    ("-3", "negative"),
    ("- 3", "negative"),
    ("−3", "negative"),
    ("1.5", "decimal"),
    ("1,5", "decimal"),
    ("1,0", "decimal"),
    ("1.234,5", "decimal"),
    ("3-5", "range"),
    ("3 - 5", "range"),
    ("3–5", "range"),
    ("3 tot 5", "range"),
    ("3 t/m 5", "range"),
    ("3 à 5", "range"),
    ("3 a 5", "range"),
    ("3 of 4", "range"),
    ("3/4", "range"),
    ("ca. 12", "approximate"),
    ("ca 12", "approximate"),
    ("circa 12", "approximate"),
    ("ongeveer 12", "approximate"),
    ("Ongeveer 12 huisverboden", "approximate"),
    ("± 12", "approximate"),
    ("+/- 12", "approximate"),
    ("~12", "approximate"),
    ("ruim 12", "approximate"),
    ("bijna 12", "approximate"),
    ("zo'n 12", "approximate"),
    ("minstens 12", "approximate"),
    ("meer dan 12", "approximate"),
    ("12 of meer", "approximate"),
    ("12+", "approximate"),
    ("12?", "approximate"),
    ("<5", "approximate"),
    ("< 5", "approximate"),
    ("12 (geschat)", "approximate"),
    ("12, schatting", "approximate"),
    ("onbekend", "unknown_value"),
    ("Onbekend", "unknown_value"),
    ("n.v.t.", "unknown_value"),
    ("nvt", "unknown_value"),
    ("n.b.", "unknown_value"),
    ("?", "unknown_value"),
    ("??", "unknown_value"),
    ("veel", "unknown_value"),
    ("een paar", "unknown_value"),
    ("enkele", "unknown_value"),
    ("geen idee", "unknown_value"),
    ("geen gegevens", "unknown_value"),
    ("weet ik niet", "unknown_value"),
    ("ongeveer", "unknown_value"),
    ("12 per maand", "not_a_number"),
    ("12 huisverboden en 3 mondeling", "not_a_number"),
    ("12 opgelegde huisverboden", "not_a_number"),
    ("12%", "not_a_number"),
    ("12 procent", "not_a_number"),
    ("12 meer", "not_a_number"),
    ("2x", "not_a_number"),
    ("#12", "not_a_number"),
    ("3 5", "not_a_number"),
]


@pytest.mark.parametrize(("written", "code"), FLAWS)
def test_values_that_are_refused(written: str, code: str) -> None:
    assert read_count(written) == Flaw(code, written.strip())


@pytest.mark.parametrize("empty", ["", "   ", "...", "…", "___", "."])
def test_nothing_written_is_no_value(empty: str) -> None:
    assert read_count(empty) is None


@pytest.mark.parametrize(
    ("token", "bare"),
    [
        ("12", True), ("0", True), ("geen", True), ("-", True), ("n.v.t.", True), ("?", True),
        ("3-5", True), ("1,5", True), ("-3", True), ("twee", True), ("12?", True),
        ("Aantal", False), ("huisverboden", False), ("12 huisverboden", False), ("", False),
        ("juli", False), ("veel", False),
    ],
)
def test_is_bare(token: str, bare: bool) -> None:
    assert is_bare(token) is bare


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        ("Aantal opgelegde huisverboden: 12", ("Aantal opgelegde huisverboden", "12", True)),
        ("Aantal opgelegde huisverboden:", ("Aantal opgelegde huisverboden", "", True)),
        (": 12", ("", "12", True)),
        ("12", ("", "12", False)),
        ("Aantal opgelegde huisverboden\t12", ("Aantal opgelegde huisverboden", "12", True)),
        ("Aantal\topgelegde\t12", ("Aantal opgelegde", "12", True)),
        ("Aantal opgelegde huisverboden    12", ("Aantal opgelegde huisverboden", "12", True)),
        ("Aantal  opgelegde huisverboden", ("Aantal  opgelegde huisverboden", None, False)),
        ("Aantal opgelegde huisverboden", ("Aantal opgelegde huisverboden", None, False)),
        ("Overleg om 10:30", ("Overleg om 10:30", None, False)),
        ("", ("", None, False)),
    ],
)
def test_split_value(rest: str, expected: tuple[str, str | None, bool]) -> None:
    assert split_value(rest) == expected


H1, H2 = Period(2026, 1), Period(2026, 2)

PERIODS = [
    ("2026-H1", H1), ("2026-h1", H1), ("2026 H1", H1), ("2026H1", H1), ("2026/H1", H1),
    ("H1 2026", H1), ("H1-2026", H1), ("h1 2026", H1), ("2026-H2", H2), ("H2 2026", H2),
    ("1e halfjaar 2026", H1), ("eerste halfjaar 2026", H1), ("Eerste Halfjaar 2026", H1),
    ("1e helft 2026", H1), ("eerste helft 2026", H1), ("eerste helft van 2026", H1),
    ("1ste halfjaar 2026", H1), ("tweede halfjaar 2026", H2), ("2e halfjaar 2026", H2),
    ("2de helft 2026", H2), ("januari-juni 2026", H1), ("januari - juni 2026", H1),
    ("januari – juni 2026", H1), ("jan t/m jun 2026", H1), ("Jan-Jun 2026", H1),
    ("januari tot en met juni 2026", H1), ("1 januari 2026 - 30 juni 2026", H1),
    ("juli-december 2026", H2), ("jul t/m dec 2026", H2), ("JULI - DECEMBER 2026", H2),
    ("2026-H1 (januari t/m juni)", H1), ("1e halfjaar 2026 (2026-H1)", H1), (" 2026-H1. ", H1),
]


@pytest.mark.parametrize(("written", "period"), PERIODS)
def test_periods_as_staff_write_them(written: str, period: Period) -> None:
    assert parse_period(written) == period


@pytest.mark.parametrize(
    "written",
    [
        "", "2026", "H1", "2026-1", "2026-2", "1-2026", "2026-H3", "2026-H12", "12026-H1",
        "halfjaar 2026", "eerste halfjaar", "januari 2026", "januari-maart 2026",
        "januari 2025 - juni 2026", "2025-H2 en 2026-H1", "2026-H1 en 2027", "zomer",
        "1e halfjaar 2026 (2026-H2)",
    ],
)
def test_periods_that_cannot_be_read(written: str) -> None:
    assert parse_period(written) is None


@pytest.mark.parametrize(
    ("subject", "period"),
    [
        ("Re: Monitoringsysteem Huisverbod: gegevens 2026-H1", H1),
        ("RE: Herinnering gegevens 1e halfjaar 2026 (2026-H1) [#123]", H1),
        ("Antw: cijfers H2 2026", H2),
        ("Re: gegevens 2025-H2 en 2026-H1", None),
        ("Re: Monitoringsysteem Huisverbod", None),
        ("Re: vergadering 2026-01-15", None),
        ("", None),
    ],
)
def test_period_from_subject(subject: str, period: Period | None) -> None:
    assert period_from_subject(subject) == period
