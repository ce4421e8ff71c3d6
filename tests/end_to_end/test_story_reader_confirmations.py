"""What the confirmation says: plausibility warnings (stored anyway) and corrections (a new
revision that names what changed; `mailbot export --history` keeps both).
"""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from mailbot.bot import Bot
from mailbot.cli import app
from mailbot.inbound.pipeline import run_pass
from tests.end_to_end.test_story_reader_clients import SENDER, outlook_html_only, stored_answers
from tests.reader.test_reader_mailers import TEMPLATE, form_lines, gmail_reply
from tests.stories import FIGURES, SECRET, reply_from, submissions

# Reading does not depend on the database: SQLite alone keeps these stories fast.
pytestmark = pytest.mark.sqlite_only


def test_story_implausible_figures_are_stored_and_the_confirmation_lists_each_warning(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    figures = {**FIGURES, "1": 1, "4": 4, "5": 5, "7a": 2, "8": 1, "9": 3}
    imap_account.append(reply_from(SENDER, figures=figures))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == figures
    body = smtp_sink.wait_for(1)[0].message.get_content()
    warnings = body.split("(ze zijn wel opgeslagen):\n")[1].split("\n\n")[0].splitlines()
    assert warnings[:4] == [
        "  - Er zijn meer verlengingen (vraag 5) dan opgelegde huisverboden (vraag 1).",
        "  - Er zijn meer ingetrokken huisverboden (vraag 4) dan opgelegde huisverboden (vraag 1).",
        "  - De uitkomst van voorlopige voorzieningen (vraag 9) is groter dan het aantal "
        "voorlopige voorzieningen (vraag 8).",
        "  - Er zijn meer hulpverleningstrajecten voor uithuisgeplaatsten (vraag 7a) dan "
        "opgelegde huisverboden (vraag 1).",
    ]
    assert "dat wordt een nieuwe versie" in warnings[4]


def test_story_plausible_figures_get_no_warning(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(SENDER))
    run_pass(bot)

    assert "Let op" not in smtp_sink.wait_for(1)[0].message.get_content()


def test_story_a_correction_from_another_client_replaces_the_first_and_lists_the_changes(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(outlook_html_only(form_lines(FIGURES, secret=SECRET)))
    run_pass(bot)
    bot.clock.advance(hours=26)  # the next day, from Gmail on the phone
    corrected = {**FIGURES, "1": 13, "7c": 8}
    raw = gmail_reply(SENDER, form_lines(corrected, secret=SECRET), TEMPLATE)
    imap_account.append(raw.replace(b"<reply-x-mailer:@", b"<gmail-correction@"))
    assert run_pass(bot).outcomes == {"processed": 1}

    assert [(s.period, s.revision) for s in submissions(bot)] == [("2026-H1", 1), ("2026-H1", 2)]
    assert stored_answers(bot) == corrected
    body = smtp_sink.wait_for(2)[1].message.get_content()
    assert ("Dit is versie 2. Deze gegevens vervangen die van 06-07-2026 12:00 (versie 1); "
            "de eerdere versie blijft bewaard.") in body
    changed = body.split("Gewijzigd:\n")[1].split("\n\n")[0].splitlines()
    assert changed == [
        "  - vraag 1 (Aantal opgelegde huisverboden): 12 wordt 13",
        "  - vraag 7c (Aantal gestarte hulpverleningstrajecten voor kind(eren)): 9 wordt 8",
    ]
    assert "vraag 1       13   Aantal opgelegde huisverboden" in body

    history = export(bot, "--history")
    assert "2026-H1,Utrecht,gemeente,1,12,1,2026-07-06T10:00:00+00:00,1" in history
    assert "2026-H1,Utrecht,gemeente,1,13,2,2026-07-07T12:00:00+00:00,1" in history
    assert "2026-H1,Utrecht,gemeente,1,12" not in export(bot)


def test_story_the_same_figures_again_are_a_revision_without_changes(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(SENDER))
    run_pass(bot)
    imap_account.append(reply_from(SENDER))
    run_pass(bot)

    assert [s.revision for s in submissions(bot)] == [1, 2]
    body = smtp_sink.wait_for(2)[1].message.get_content()
    assert "Er is niets gewijzigd ten opzichte van de vorige versie." in body


def export(bot: Bot, *args: str) -> str:
    """`mailbot export` as the admin runs it, against the bot's database."""
    result = CliRunner().invoke(app, ["export", *args], catch_exceptions=False,
                                env={"MAILBOT_DATABASE_URL": bot.settings.database_url})
    assert result.exit_code == 0, result.output
    return result.output
