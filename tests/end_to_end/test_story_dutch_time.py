"""People read Dutch time: a confirmation, the CLI and the half-year calendar follow the clock
in Amsterdam (summer and winter time), though every moment is stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from mailbot.bot import Bot
from mailbot.cli import app
from mailbot.config import Settings
from mailbot.inbound.pipeline import run_pass
from tests.end_to_end.test_story_reader_clients import SENDER
from tests.mails import filled_form, template_text, thunderbird_reply
from tests.stories import FIGURES, SECRET, reply_from, submissions

runner = CliRunner()


# Showing a time does not depend on the database: SQLite alone keeps these stories
# fast.
pytestmark = pytest.mark.sqlite_only


def form_for(period: str, figures: dict[str, object]) -> bytes:
    return thunderbird_reply(SENDER, filled_form("Utrecht", SECRET, figures, period=period),
                             template_text())


def correct_after_an_hour(bot: Bot, imap_account: Any, period: str) -> None:
    imap_account.append(form_for(period, FIGURES))
    assert run_pass(bot).outcomes == {"processed": 1}
    bot.clock.advance(hours=1)
    imap_account.append(form_for(period, {**FIGURES, "1": 13}))
    assert run_pass(bot).outcomes == {"processed": 1}


def test_story_a_correction_in_summer_names_the_first_version_in_dutch_summer_time(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    bot.clock.current = datetime(2026, 7, 6, 8, 23, tzinfo=UTC)  # 10:23 CEST

    correct_after_an_hour(bot, imap_account, "2026-H1")

    body = smtp_sink.wait_for(2)[1].message.get_content()
    assert "vervangen die van 06-07-2026 10:23 (versie 1)" in body


def test_story_a_correction_in_winter_names_the_first_version_in_dutch_winter_time(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    bot.clock.current = datetime(2027, 1, 12, 9, 23, tzinfo=UTC)  # 10:23 CET

    correct_after_an_hour(bot, imap_account, "2026-H2")

    body = smtp_sink.wait_for(2)[1].message.get_content()
    assert "vervangen die van 12-01-2027 10:23 (versie 1)" in body


@pytest.mark.parametrize(("now", "period"), [
    (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), "2026-H1"),  # 00:30 CEST on 1 July
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "2026-H2"),  # 00:30 CET on 1 January
])
def test_story_figures_sent_just_after_midnight_dutch_time_count_the_half_year_as_ended(
    bot: Bot, imap_account: Any, smtp_sink: Any, now: datetime, period: str
) -> None:
    bot.clock.current = now
    imap_account.append(form_for(period, FIGURES))

    assert run_pass(bot).outcomes == {"processed": 1}
    assert [s.period for s in submissions(bot)] == [period]


def test_audit_shows_the_dutch_clock(
    bot: Bot, imap_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILBOT_DATABASE_URL", bot.settings.database_url)
    monkeypatch.setenv("MAILBOT_CONFIG", "/nonexistent/mailbot.toml")
    bot.clock.current = datetime(2027, 1, 12, 9, 23, tzinfo=UTC)
    imap_account.append(reply_from(SENDER, secret="wrong-wrong-wrong"))
    run_pass(bot)

    result = runner.invoke(app, ["audit", "--since", "2027-01-12"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("12-01-2027 10:23:00  "), result.output
    assert "06-07-2026" not in result.output  # the registrations of July lie before --since


def test_status_names_the_zone_of_the_last_pass(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILBOT_DATABASE_URL", bot.settings.database_url)
    monkeypatch.setenv("MAILBOT_CONFIG", "/nonexistent/mailbot.toml")
    run_pass(bot)  # at 10:00 UTC on 6 July: 12:00 in Amsterdam

    result = runner.invoke(app, ["status"])

    assert ("Laatste geslaagde ronde door de inbox: 06-07-2026 12:00:00 "
            "(Nederlandse tijd (Europe/Amsterdam))") in result.output


def test_the_zone_is_one_setting_and_the_older_round_zone_still_sets_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILBOT_CONFIG", "/nonexistent/mailbot.toml")
    assert (Settings().timezone, Settings().round_timezone) == ("Europe/Amsterdam",) * 2

    monkeypatch.setenv("MAILBOT_ROUND_TIMEZONE", "America/Kralendijk")
    assert Settings().timezone == "America/Kralendijk"  # a configuration from before

    monkeypatch.setenv("MAILBOT_TIMEZONE", "Europe/Amsterdam")
    assert (Settings().timezone, Settings().round_timezone) == (
        "Europe/Amsterdam", "America/Kralendijk")

    with pytest.raises(ValueError, match="unknown time zone"):
        Settings(timezone="Europe/Nergens")  # type: ignore[arg-type]
