"""Remarks written after a count: kept with the answer, or asked about when they change it.

`12 (waarvan 2 na verlenging)` describes part of the twelve: 12 is stored, the remark with it as
a note (export, history, GEGEVENS) and repeated in the confirmation. `12 (excl. 3 mondeling
opgelegd)` says the twelve leave out part of what question 1 counts (the toelichting: oral
orders too): nothing is stored and the problem reply quotes the remark and asks for one count.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from sqlmodel import Session, select

from mailbot.bot import Bot
from mailbot.forms import load_form
from mailbot.inbound.pipeline import run_pass
from mailbot.reader.parse import parse
from mailbot.reader.values import count_remark, remark_changes_count
from mailbot.reports.export import LONG_HEADER, Selection, export
from mailbot.store.models import Answer
from tests.end_to_end.test_story_reader_clients import SENDER, outlook_html_only, stored_answers
from tests.mails import thunderbird_reply
from tests.reader.test_reader_mailers import form_lines
from tests.stories import FIGURES, SECRET, gegevens_csv, gegevens_xlsx, submissions

GEMEENTE = load_form("gemeente")
DESCRIBES = "waarvan 2 na verlenging"
LEAVES_OUT = "excl. 3 mondeling opgelegd"


# Reading does not depend on the database; the notes' storage is shown on SQLite and in
# tests/store/test_migrations.py on both.
pytestmark = pytest.mark.sqlite_only


def with_remark(remark: str, key: str = "1", separator: str = " (") -> list[str]:
    """The filled-in form with a remark written after question `key`'s count."""
    close = ")" if separator == " (" else ""
    return [f"{line}{separator}{remark}{close}" if line.startswith(f"{key}. ") else line
            for line in form_lines(FIGURES, secret=SECRET)]


# --- which remark does what ---------------------------------------------------------------------


@pytest.mark.parametrize(("written", "remark"), [
    ("12 (waarvan 2 na verlenging)", "waarvan 2 na verlenging"),
    ("12, waarvan 2 na verlenging", "waarvan 2 na verlenging"),
    ("12 ; zie toelichting", "zie toelichting"),
    ("12", ""),
    ("1,5", ""),
])
def test_the_remark_after_a_count_is_read(written: str, remark: str) -> None:
    assert count_remark(written) == remark


@pytest.mark.parametrize("remark", [
    "excl. 3 mondeling opgelegd", "exclusief de mondelinge", "zonder Veilig Thuis",
    "3 mondelinge niet meegeteld", "plus 3 mondeling", "+ 3 mondeling", "+3",
    "niet meegerekend: 2 van de politie",
])
def test_remarks_that_leave_out_or_add_change_the_count(remark: str) -> None:
    assert remark_changes_count(remark, ())


@pytest.mark.parametrize("remark", [
    "waarvan 2 na verlenging", "incl. 3 mondeling", "inclusief mondelinge", "2 in januari",
    "alleen in Zeist", "zie bijlage",
])
def test_remarks_that_describe_part_of_the_count_do_not(remark: str) -> None:
    assert not remark_changes_count(remark, ())


def test_only_part_of_what_the_toelichting_includes_changes_the_count() -> None:
    includes = GEMEENTE.question("1").includes
    assert includes  # question 1 counts oral orders too
    assert remark_changes_count("alleen schriftelijke", includes)
    assert not remark_changes_count("alleen mondeling opgelegd", includes)


def test_a_describing_remark_is_a_note_with_the_answer() -> None:
    reading = parse("\n".join(with_remark(DESCRIBES)), GEMEENTE)
    assert reading.answers == FIGURES and not reading.problems
    assert reading.notes == {"1": DESCRIBES}


def test_a_remark_after_a_comma_is_a_note_too() -> None:
    reading = parse("\n".join(with_remark(DESCRIBES, "5", ", ")), GEMEENTE)
    assert reading.answers == FIGURES
    assert reading.notes == {"5": DESCRIBES}


def test_a_remark_that_leaves_out_part_is_a_problem_quoting_it() -> None:
    reading = parse("\n".join(with_remark(LEAVES_OUT)), GEMEENTE)
    [problem] = reading.problems
    assert (problem.code, problem.question, problem.detail) == (
        "remark_changes_count", "1", LEAVES_OUT)
    assert "1" not in reading.answers


@pytest.mark.parametrize(("written", "remark"), [
    ("12 + 3 mondeling", "+ 3 mondeling"), ("12 plus 3", "plus 3"),
    ("12 excl. 3 mondeling opgelegd", "excl. 3 mondeling opgelegd"),
])
def test_a_remark_without_brackets_that_adds_or_leaves_out_is_that_problem(
    written: str, remark: str
) -> None:
    reading = parse(f"1. Aantal opgelegde huisverboden: {written}", GEMEENTE)
    assert [(p.code, p.detail) for p in reading.problems if p.question == "1"] == [
        ("remark_changes_count", remark)]


def test_only_written_orders_for_question_1_is_a_problem() -> None:
    reading = parse("\n".join(with_remark("alleen schriftelijke")), GEMEENTE)
    assert [p.code for p in reading.problems] == ["remark_changes_count"]


# --- the stories --------------------------------------------------------------------------------


def test_story_a_describing_remark_is_stored_as_a_note_and_confirmed(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(outlook_html_only(with_remark(DESCRIBES)))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES
    with Session(bot.engine) as session:
        notes = {a.question: a.note for a in session.exec(select(Answer)) if a.note}
    assert notes == {"1": DESCRIBES}
    [sent] = smtp_sink.wait_for(1)
    body = sent.message.get_content()
    assert "vraag 1       12   Aantal opgelegde huisverboden" in body
    assert f"(uw opmerking: {DESCRIBES})" in body


def test_story_the_note_is_in_gegevens_the_history_and_the_json_export(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(outlook_html_only(with_remark(DESCRIBES)))
    run_pass(bot)
    imap_account.append(thunderbird_reply(SENDER, "GEGEVENS", "", subject="GEGEVENS"))
    run_pass(bot)

    [_, gegevens] = smtp_sink.wait_for(2)
    body = gegevens.message.get_body(("plain",)).get_content()
    assert f"(uw opmerking: {DESCRIBES})" in body
    [row] = [r for r in gegevens_csv(gegevens.message) if r["Vraag"] == "1"]
    assert row["Opmerking"] == DESCRIBES
    [row] = [r for r in gegevens_xlsx(gegevens.message) if r["Vraag"] == "1"]
    assert row["Opmerking"] == DESCRIBES
    with Session(bot.engine) as session:
        plain = export(session, Selection()).decode()
        history = export(session, Selection(history=True)).decode()
        as_json = json.loads(export(session, Selection(), "json"))
    assert plain.splitlines()[0] == ",".join(LONG_HEADER)  # the contract stays as it is
    assert "waarvan" not in plain
    assert [r["note"] for r in csv.DictReader(io.StringIO(history)) if r["question"] == "1"] == [
        DESCRIBES]
    assert [r["note"] for r in as_json if r["question"] == "1"] == [DESCRIBES]


def test_story_a_remark_that_leaves_out_part_stores_nothing_and_asks_for_one_count(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(outlook_html_only(with_remark(LEAVES_OUT)))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    [sent] = smtp_sink.wait_for(1)
    body = " ".join(sent.message.get_content().split())
    assert f'"{LEAVES_OUT}"' in body
    assert "één aantal" in body


def test_story_a_secret_typed_into_a_remark_is_never_stored_or_shown(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(outlook_html_only(with_remark(f"waarvan 2 na verlenging {SECRET}")))

    assert run_pass(bot).outcomes == {"processed": 1}

    with Session(bot.engine) as session:
        [note] = [a.note for a in session.exec(select(Answer)) if a.note]
    assert SECRET not in note and note.startswith("waarvan 2 na verlenging ***")
    [sent] = smtp_sink.wait_for(1)
    assert SECRET not in sent.raw.decode()
