"""Values, names and periods end to end: a few cases per rule (tests/reader/test_parse*.py and
tests/reader/test_values.py hold the details). The clock stands at 2026-07-06: 2026-H1 has ended,
2026-H2 has not.
"""

from __future__ import annotations

from typing import Any

import pytest

from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.store import db, orgs
from tests.end_to_end.test_story_reader_clients import stored_answers
from tests.mails import filled_form, template_text, thunderbird_reply
from tests.stories import FIGURES, SECRET, reply_from, submissions

SENDER = "huisverbod@utrecht.nl"


# Reading does not depend on the database: SQLite alone keeps these stories fast.
pytestmark = pytest.mark.sqlite_only


# --- values ---------------------------------------------------------------------------------------


def test_story_geen_dash_and_thousands_separator_are_read_as_counts(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    figures = {**FIGURES, "1": "1.234", "2": "geen", "3": "-", "6": "nul"}
    imap_account.append(reply_from(SENDER, figures=figures))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == {**FIGURES, "1": 1234, "2": 0, "3": 0, "6": 0}
    body = smtp_sink.wait_for(1)[0].message.get_content()
    assert "vraag 1    1.234   Aantal opgelegde huisverboden" in body
    assert "vraag 2        0   Aantal geweigerde huisverboden" in body


@pytest.mark.parametrize(("written", "why"), [
    ("veel", '"veel" kunnen wij niet als aantal lezen'),
    ("3-5", '"3-5" is een bereik. Vul het precieze aantal in.'),
    ("onbekend", '"onbekend" kunnen wij niet als aantal lezen'),
    ("2,5", '"2,5" is geen heel getal'),
])
def test_story_an_unusable_value_gets_one_problem_reply_and_stores_nothing(
    bot: Bot, imap_account: Any, smtp_sink: Any, written: str, why: str
) -> None:
    imap_account.append(reply_from(SENDER, figures={**FIGURES, "2": written}))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == [SENDER]
    assert "gegevens niet verwerkt (Utrecht)" in sent.message["Subject"]
    body = sent.message.get_content()
    assert f"  - Vraag 2 (Aantal geweigerde huisverboden): {why}" in body
    assert body.count("  - ") == 1  # that problem only
    assert f"\n  2. Aantal geweigerde huisverboden: {written}\n" in body  # the lines read
    assert "\n  1. Aantal opgelegde huisverboden: 12\n" in body
    assert "Er is niets opgeslagen" in body
    assert SECRET not in sent.raw.decode()


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "aliases", "written"), [
    ("'s-Hertogenbosch", ("Den Bosch",), "Den Bosch"),
    ("'s-Hertogenbosch", ("Den Bosch",), "s Hertogenbosch"),
    ("Súdwest-Fryslân", (), "sudwest fryslan"),
    ("'s-Gravenhage", ("Den Haag",), "gemeente Den Haag"),
], ids=["alias", "no-apostrophe-or-hyphen", "no-diacritics", "leading-gemeente"])
def test_story_the_municipality_is_found_as_people_write_it(
    bot: Bot, imap_account: Any, smtp_sink: Any, name: str, aliases: tuple[str, ...], written: str
) -> None:
    address = "huiselijkgeweld@gemeente.test"
    with db.session_scope(bot.engine) as session:
        orgs.add(session, bot.clock.now(), name, "gemeente", aliases=aliases)
        orgs.add_address(session, bot.clock.now(), name, address)
        orgs.set_secret(session, bot.clock.now(), name, SECRET)
    imap_account.append(thunderbird_reply(address, filled_form(written, SECRET, FIGURES),
                                          template_text()))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert len(submissions(bot)) == 1
    assert stored_answers(bot) == FIGURES
    [sent] = smtp_sink.wait_for(1)
    assert f"bevestiging {name} 2026-H1" in sent.message["Subject"]
    assert f"Wij hebben de gegevens van {name} over" in sent.message.get_content()


# --- periods --------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["1e halfjaar 2026", "H1 2026", "eerste helft 2026",
                                     "januari t/m juni 2026"])
def test_story_a_period_written_in_words_is_read(
    bot: Bot, imap_account: Any, smtp_sink: Any, written: str
) -> None:
    body = filled_form("Utrecht", SECRET, FIGURES, period=written)
    imap_account.append(thunderbird_reply(SENDER, body, template_text(), subject="Cijfers"))

    assert run_pass(bot).outcomes == {"processed": 1}

    [stored] = submissions(bot)
    assert stored.period == "2026-H1"
    assert "bevestiging Utrecht 2026-H1" in smtp_sink.wait_for(1)[0].message["Subject"]


def test_story_without_a_periode_line_the_period_in_the_subject_is_used(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    body = without_period(filled_form("Utrecht", SECRET, FIGURES))
    subject = "RE: Monitoringsysteem Huisverbod: gegevens 2026-H1"
    imap_account.append(thunderbird_reply(SENDER, body, template_text(), subject=subject))

    assert run_pass(bot).outcomes == {"processed": 1}

    [stored] = submissions(bot)
    assert stored.period == "2026-H1"


def test_story_without_a_periode_line_the_period_of_our_quoted_template_is_used(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    body = without_period(filled_form("Utrecht", SECRET, FIGURES))
    imap_account.append(thunderbird_reply(SENDER, body, template_text(), subject="Cijfers"))

    assert run_pass(bot).outcomes == {"processed": 1}

    [stored] = submissions(bot)
    assert stored.period == "2026-H1"


def test_story_without_any_period_the_reply_asks_for_one(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    body = without_period(filled_form("Utrecht", SECRET, FIGURES))
    imap_account.append(thunderbird_reply(SENDER, body, "Kunt u de cijfers sturen?",
                                          subject="Cijfers"))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    body = smtp_sink.wait_for(1)[0].message.get_content()
    assert ('  - Er staat geen periode in uw e-mail. Schrijf achter "Periode:" het halfjaar, '
            "bijvoorbeeld 2026-H1.") in body


def test_story_a_period_that_has_not_ended_is_refused_with_an_explanation(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(thunderbird_reply(
        SENDER, filled_form("Utrecht", SECRET, FIGURES, period="2026-H2"), template_text()))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    body = smtp_sink.wait_for(1)[0].message.get_content()
    assert "  - De periode 2026-H2 is nog niet voorbij." in body
    assert 'schrijf dan achter "Periode:" 2026-H1 (het eerste halfjaar van 2026)' in body
    assert "\n  Periode: 2026-H2\n" in body


def without_period(body: str) -> str:
    return "\n".join(line for line in body.splitlines() if not line.startswith("Periode:"))
