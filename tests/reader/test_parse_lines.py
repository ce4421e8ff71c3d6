"""One line at a time: every way staff write an answer, and every way it can go wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailbot.forms import load_form
from mailbot.reader.parse import Problem, Reading, parse

NOW = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)
HEADER = "Gemeente: Utrecht\nWachtwoord: k7mq-x3rt\nPeriode: 2026-H1\n"


def read(body: str, kind: str = "gemeente") -> Reading:
    return parse(HEADER + body, load_form(kind), now=NOW)


def problems(reading: Reading, *, missing: bool = False) -> list[tuple[str, str | None]]:
    return [(p.code, p.question) for p in reading.problems if missing or p.code != "missing"]


SHAPES = [
    ("1. Aantal opgelegde huisverboden: 12", "1", 12),
    ("1. Aantal opgelegde huisverboden:12", "1", 12),
    ("1. Aantal opgelegde huisverboden :  12", "1", 12),
    ("1. Opgelegde huisverboden: 12", "1", 12),
    ("1. Aantal opgelegd: 12", "1", 12),
    ("1. Huisverboden: 12", "1", 12),
    ("1. HV: 12", "1", 12),
    ("1. 12", "1", 12),
    ("1.12", None, None),
    ("1: 12", "1", 12),
    ("1:12", "1", 12),
    ("1) 12", "1", 12),
    ("(1) 12", "1", 12),
    ("1 12", "1", 12),
    ("1.: 12", "1", 12),
    ("Vraag 1: 12", "1", 12),
    ("vraag 1. Aantal opgelegde huisverboden: 12", "1", 12),
    ("7a 4", "7a", 4),
    ("7a. 4", "7a", 4),
    ("7a: 4", "7a", 4),
    ("7 a. 4", "7a", 4),
    ("7A: 4", "7a", 4),
    ("7a) 4", "7a", 4),
    ("7b. Aantal gestarte hulpverleningstrajecten voor achterblijvende partner: 2", "7b", 2),
    ("7c. Kinderen: 3", "7c", 3),
    ("10. Aantal (hoger) beroepen: 1", "10", 1),
    ("10: 1", "10", 1),
    ("   1. Aantal opgelegde huisverboden: 12", "1", 12),
    ("- 1. Aantal opgelegde huisverboden: 12", "1", 12),
    ("• 1. Aantal opgelegde huisverboden: 12", "1", 12),
    ("* 1. Aantal opgelegde huisverboden: 12", "1", 12),
    ("*1. Aantal opgelegde huisverboden:* 12", "1", 12),
    ("**1. Aantal opgelegde huisverboden:** **12**", "1", 12),
    ("1. Aantal opgelegde huisverboden\t12", "1", 12),
    ("1.\tAantal opgelegde huisverboden\t12", "1", 12),
    ("| 1. Aantal opgelegde huisverboden | 12 |", "1", 12),
    ("1. Aantal opgelegde huisverboden     12", "1", 12),
    ("1. Aantal opgelegde huisverboden:\u00a012", "1", 12),
    ("\u200b1. Aantal opgelegde huisverboden: 12", "1", 12),
    ("1. Aantal opgelegde huisverboden: geen", "1", 0),
    ("1. Aantal opgelegde huisverboden: -", "1", 0),
    ("1. -", "1", 0),
    ("1. Aantal opgelegde huisverboden: 12 (waarvan 3 mondeling)", "1", 12),
    ("1. Aantal opgelegde huisverboden: 1.234", "1", 1234),
    ("Aantal opgelegde huisverboden: 12", "1", 12),
    ("Uitkomst voorlopige voorzieningen: 2", "9", 2),
]


@pytest.mark.parametrize(("line", "key", "value"), SHAPES)
def test_line_shapes(line: str, key: str | None, value: int | None) -> None:
    reading = read(line)
    assert reading.answers == ({key: value} if key else {})
    assert problems(reading) == []


IGNORED = [
    "1. Aantal opgelegde huisverboden",
    "   7a. Aantal gestarte hulpverleningstrajecten voor uithuisgeplaatste",
    "7. Aantal gestarte hulpverleningstrajecten voor:",
    "7.",
    "7. 5 is hier geen antwoord",
    "Toelichting: aantal keer dat een beschikking huisverbod is uitgevaardigd (ook mondeling)",
    "10 dagen huisverbod verlengt tot maximaal 28 dagen",
    "1 januari 2026 was het rustig",
    "12 januari: vergadering",
    "1-7-2026 om 08:00 schreef Monitoringsysteem Huisverbod:",
    "2026",
    "06 12345678",
    "1.5",
    "11 12",
    "> 1. Aantal opgelegde huisverboden: 12",
    ">1: 12",
    "Met vriendelijke groet,",
    "Tel: 030 123 45 67",
]


@pytest.mark.parametrize("line", IGNORED)
def test_lines_that_are_no_answer_yield_nothing(line: str) -> None:
    reading = read(line)
    assert reading.answers == {}
    assert problems(reading) == []


FLAWED = [
    ("1. Aantal opgelegde huisverboden: -3", "negative", "-3"),
    ("1. Aantal opgelegde huisverboden: 1,5", "decimal", "1,5"),
    ("1. Aantal opgelegde huisverboden: 1.5", "decimal", "1.5"),
    ("1. Aantal opgelegde huisverboden: 3-5", "range", "3-5"),
    ("1. Aantal opgelegde huisverboden: 3 tot 5", "range", "3 tot 5"),
    ("1. Aantal opgelegde huisverboden: ca. 12", "approximate", "ca. 12"),
    ("1. Aantal opgelegde huisverboden: ongeveer 12", "approximate", "ongeveer 12"),
    ("1. Aantal opgelegde huisverboden: onbekend", "unknown_value", "onbekend"),
    ("1. Aantal opgelegde huisverboden: n.v.t.", "unknown_value", "n.v.t."),
    ("1. Aantal opgelegde huisverboden: nvt", "unknown_value", "nvt"),
    ("1. Aantal opgelegde huisverboden: ?", "unknown_value", "?"),
    ("1. Aantal opgelegde huisverboden: veel", "unknown_value", "veel"),
    ("1. Aantal opgelegde huisverboden: 12 per maand", "not_a_number", "12 per maand"),
    ("1. n.v.t.", "unknown_value", "n.v.t."),
    ("1 ?", "unknown_value", "?"),
    ("1\t3-5", "range", "3-5"),
]


@pytest.mark.parametrize(("line", "code", "detail"), FLAWED)
def test_a_bad_value_is_a_problem_for_its_question(line: str, code: str, detail: str) -> None:
    reading = read(line)
    assert "1" not in reading.answers
    assert reading.problems[0] == Problem(code, "1", line, detail)
    assert problems(reading) == [(code, "1")]


def test_an_empty_value_is_only_missing() -> None:
    reading = read("1. Aantal opgelegde huisverboden:\n2. Aantal geweigerde huisverboden: 0")
    assert reading.answers == {"2": 0}
    assert problems(reading, missing=True)[0] == ("missing", "1")
    assert problems(reading) == []


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ("1. Aantal opgelegde huisverboden: 12\n1. Aantal opgelegde huisverboden: 12", 12),
        ("1: 12\n1. Aantal opgelegde huisverboden: 12", 12),
        ("1. Aantal opgelegde huisverboden:\n1: 12", 12),
        ("1: 12\n1. Aantal opgelegde huisverboden:", 12),
        ("1: 1.234\n1: 1234", 1234),
        ("1: geen\n1: 0", 0),
    ],
)
def test_the_same_value_twice_is_one_answer(body: str, answer: int) -> None:
    reading = read(body)
    assert reading.answers == {"1": answer}
    assert problems(reading) == []


def test_different_values_for_one_question_conflict() -> None:
    reading = read("1. Aantal opgelegde huisverboden: 12\n2: 3\n1: 14\n1: 12\n1: 15")
    assert reading.answers == {"2": 3}
    assert Problem("conflict", "1", "1: 14", "12, 14, 15") in reading.problems
    assert problems(reading) == [("conflict", "1")]


def test_a_bad_value_and_a_good_one_for_one_question_give_only_the_problem() -> None:
    reading = read("1: veel\n1: 12")
    assert reading.answers == {}
    assert problems(reading) == [("unknown_value", "1")]


@pytest.mark.parametrize(
    ("line", "key", "owner"),
    [
        ("2. Aantal opgelegde huisverboden: 5", "2", "1"),
        ("2. Opgelegde huisverboden: 5", "2", "1"),
        ("8. Uitkomst voorlopige voorzieningen: 1", "8", "9"),
        ("7a. Hulpverleningstrajecten voor kinderen: 2", "7a", "7c"),
        ("7b. Gestarte trajecten uithuisgeplaatste: 2", "7b", "7a"),
        ("5. Ingetrokken huisverboden: 1", "5", "4"),
        ("1 januari: 3", "1", ""),
    ],
)
def test_a_number_and_label_that_disagree_are_a_problem(line: str, key: str, owner: str) -> None:
    reading = read(line)
    assert reading.answers == {}
    assert Problem("label_mismatch", key, line, owner) in reading.problems
    assert problems(reading) == [("label_mismatch", key)]


@pytest.mark.parametrize(
    "line",
    [
        "9. Aantal voorlopige voorzieningen: 1",  # shares every word with 9's label as well
        "5. Verlengingen van opgelegde huisverboden: 1",
        "1. Aantal opgelegde huisverboden (incl. verlengingen): 1",
        "7a. Uithuisgeplaatsten: 1",
        "6. Uithuisgeplaatste in opvang: 1",
        "1. Aantal opgelegde huisverboden, waarvan geweigerd: 1",
    ],
)
def test_labels_close_enough_to_their_own_question_pass(line: str) -> None:
    reading = read(line)
    assert len(reading.answers) == 1
    assert problems(reading) == []


def test_a_mismatched_label_without_a_value_is_ignored() -> None:
    reading = read("2. Aantal opgelegde huisverboden:")
    assert problems(reading) == []


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("11. foo: 3", "11"),
        ("11: 3", "11"),
        ("7. Aantal gestarte hulpverleningstrajecten voor: 5", "7"),
        ("7. 5", "7"),
        ("7d: 1", "7d"),
        ("12. Aantal huisverboden: veel", "12"),
    ],
)
def test_a_number_that_is_no_question_but_carries_a_value(line: str, number: str) -> None:
    reading = read(line)
    assert reading.answers == {}
    assert reading.problems[-1] == Problem("unknown_question", None, line, number)


def test_police_form_questions() -> None:
    body = (
        "1. Aantal incidenten: 120\n2. Meldingen: 80\n3: 40\n"
        "4. Aantal ingevulde risicotaxatieformulieren (RiHG): 30\n"
        "5. Aantal overtredingen van het huisverbod: 2\n6. Iets anders: 3\n"
    )
    reading = read(body, kind="politie")
    assert reading.answers == {"1": 120, "2": 80, "3": 40, "4": 30, "5": 2}
    assert problems(reading, missing=True) == [("unknown_question", None)]


def test_police_label_on_the_wrong_number() -> None:
    reading = read("2. Aantal incidenten: 120", kind="politie")
    mismatch = Problem("label_mismatch", "2", "2. Aantal incidenten: 120", "1")
    assert problems(reading) == [("label_mismatch", "2")] and mismatch in reading.problems
