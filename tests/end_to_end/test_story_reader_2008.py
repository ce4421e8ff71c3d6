"""The 2008 form's own layout: staff who kept the old form write question 7 as its heading
`7. Aantal gestarte hulpverleningstrajecten voor:` with the lines `a. Uithuisgeplaatste`,
`b. Achterblijvende partner`, `c. Kind(eren)` under it (tests/fixtures/seed-2008/bijlage.txt,
the seed's Bijlage word for word). Those lines are 7a, 7b and 7c, with or without their labels.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mailbot.bot import Bot
from mailbot.forms import load_form
from mailbot.inbound.pipeline import run_pass
from mailbot.reader.parse import Problem, parse
from tests.end_to_end.test_story_reader_clients import assert_confirmed, stored_answers
from tests.mails import template_text, thunderbird_reply
from tests.stories import FIGURES, SECRET

NOW = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)
GEMEENTE = load_form("gemeente")
BIJLAGE = (Path(__file__).parent.parent / "fixtures" / "seed-2008" / "bijlage.txt").read_text()
HEADER = f"Gemeente: Utrecht\nNaam: J. de Vries\nWachtwoord: {SECRET}\nPeriode: 2026-H1\n\n"
HEADING = "7. Aantal gestarte hulpverleningstrajecten voor:"
SENDER = "huisverbod@utrecht.nl"


# Reading does not depend on the database: SQLite alone keeps these stories fast.
pytestmark = pytest.mark.sqlite_only


def filled_2008(values: dict[str, object]) -> str:
    """The seed's form as staff fill it in: each question line and each sub-item line gets
    its figure after a colon; the toelichting lines stay."""
    out = []
    for line in BIJLAGE.splitlines():
        question = re.match(r"(\d+)\. (.*)", line)
        item = re.match(r"- ([abc])\. (.*)", line)
        if question and question[1] in values:
            line = f"{line}: {values[question[1]]}"
        elif item:
            line = f"{line}: {values['7' + item[1]]}"
        out.append(line)
    return HEADER + "\n".join(out) + "\n"


def answers_of(text: str) -> dict[str, int]:
    return dict(parse(text, GEMEENTE, now=NOW).answers)


def with_item_lines(*lines: str, heading: str = HEADING) -> str:
    others = "\n".join(f"{key}. {GEMEENTE.question(key).label}: {FIGURES[key]}"
                       for key in GEMEENTE.keys if not key.startswith("7"))
    return HEADER + others + "\n" + heading + "\n" + "\n".join(lines) + "\n"


# --- the reader ---------------------------------------------------------------------------------


def test_the_2008_form_filled_in_reads_completely() -> None:
    reading = parse(filled_2008(FIGURES), GEMEENTE, now=NOW)

    assert reading.answers == FIGURES
    assert reading.problems == ()
    assert f"{HEADING}" in reading.lines
    assert "- a. Uithuisgeplaatste: 6" in reading.lines


@pytest.mark.parametrize(
    "lines",
    [
        ("a. Uithuisgeplaatste: 6", "b. Achterblijvende partner: 7", "c. Kind(eren): 9"),
        ("a. 6", "b. 7", "c. 9"),
        ("a: 6", "b: 7", "c: 9"),
        ("a) 6", "b) 7", "c) 9"),
        ("A. 6", "B. 7", "C. 9"),
        ("", "a. Uithuisgeplaatste: 6", "", "b. Achterblijvende partner: 7", "",
         "c. Kind(eren): 9"),
        # The toelichting's wording of the sub-items ("uithuisgeplaatste, achterblijvende
        # partner en kind(eren)"), and how people shorten it.
        ("a. uithuisgeplaatste: 6", "b. achterblijvende partner: 7", "c. kinderen: 9"),
        ("a. Uithuisgeplaatsten: 6", "b. Partner: 7", "c. Kind: 9"),
        ("- a. Uithuisgeplaatste\t6", "- b. Achterblijvende partner\t7", "- c. Kind(eren)\t9"),
        ("c. Kind(eren): 9", "a. Uithuisgeplaatste: 6", "b. Achterblijvende partner: 7"),
    ],
    ids=["labels", "bare", "colon", "bracket", "capitals", "blank-lines", "toelichting-words",
         "shortened", "table-cells", "any-order"],
)
def test_sub_item_lines_under_the_heading_are_7a_7b_7c(lines: tuple[str, ...]) -> None:
    assert answers_of(with_item_lines(*lines)) == FIGURES


@pytest.mark.parametrize(
    "heading",
    [HEADING, "7. Aantal gestarte hulpverleningstrajecten voor", "7.", "Vraag 7:",
     "7 Aantal gestarte hulpverleningstrajecten:"],
)
def test_the_heading_may_be_written_in_several_ways(heading: str) -> None:
    assert answers_of(with_item_lines("a. 6", "b. 7", "c. 9", heading=heading)) == FIGURES


def test_a_sub_item_label_that_belongs_to_another_sub_item_is_a_problem() -> None:
    reading = parse(with_item_lines("a. Achterblijvende partner: 7", "b. 7", "c. 9"), GEMEENTE,
                    now=NOW)

    assert Problem("label_mismatch", "7a", "a. Achterblijvende partner: 7", "7b") in (
        reading.problems)
    assert "7a" not in reading.answers


def test_a_letter_the_group_does_not_have_is_an_unknown_question() -> None:
    reading = parse(with_item_lines("a. 6", "b. 7", "c. 9", "d. Anders: 2"), GEMEENTE, now=NOW)

    assert Problem("unknown_question", None, "d. Anders: 2", "7d") in reading.problems


def test_letter_lines_without_the_heading_above_them_are_no_answers() -> None:
    reading = parse("a. 6\nb. 7\nc. 9\n", GEMEENTE, now=NOW)
    assert not reading.has_form and reading.answers == {}

    # After another question the heading no longer counts.
    text = with_item_lines("a. 6", "b. 7", "c. 9") + "8. Aantal voorlopige voorzieningen: 1\na. 4\n"
    assert answers_of(text) == FIGURES


def test_an_initial_in_a_signature_is_no_sub_item() -> None:
    text = with_item_lines("a. 6", "b. 7", "c. 9", "", "Met vriendelijke groet,", "A. de Vries")
    reading = parse(text, GEMEENTE, now=NOW)

    assert reading.answers == FIGURES and reading.problems == ()


# --- the story ----------------------------------------------------------------------------------


def test_story_the_2008_form_filled_in_is_stored_and_confirmed(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(thunderbird_reply(SENDER, filled_2008(FIGURES), template_text()))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES
    assert_confirmed(smtp_sink, SENDER)
