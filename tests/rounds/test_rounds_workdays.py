"""Dutch working days: round mail and deadlines keep off weekends and public holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import Session

from mailbot import rounds
from mailbot.bot import Bot
from mailbot.config import Settings
from mailbot.dates.periods import Period
from mailbot.dates.workdays import holiday, is_working_day, next_working_day, previous_working_day
from mailbot.outbound import outbox
from mailbot.rounds.timeline import deadline_for, timeline
from mailbot.store.models import Round


def settings(**extra: object) -> Settings:
    return Settings(**extra)  # type: ignore[arg-type]


def test_the_dutch_public_holidays_are_no_working_days() -> None:
    assert holiday(date(2027, 1, 1)) == "Nieuwjaarsdag"
    assert not is_working_day(date(2026, 4, 27))  # Koningsdag, a Monday
    assert not is_working_day(date(2026, 5, 14))  # Hemelvaartsdag, a Thursday
    assert is_working_day(date(2026, 5, 15))
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)  # Christmas, a weekend
    assert previous_working_day(date(2026, 4, 6)) == date(2026, 4, 2)  # Easter, Good Friday


@pytest.mark.parametrize(("period", "opens"), [
    (Period(2026, 2), datetime(2027, 1, 4, 7, 0, tzinfo=UTC)),  # Friday 1 January: Monday
    (Period(2027, 2), datetime(2028, 1, 3, 7, 0, tzinfo=UTC)),  # Saturday 1 January: Monday
    (Period(2025, 2), datetime(2026, 1, 2, 7, 0, tzinfo=UTC)),  # Thursday 1 January: Friday
])
def test_a_round_whose_opening_falls_on_new_years_day_opens_the_next_working_day(
    period: Period, opens: datetime
) -> None:
    assert timeline(settings(), period).opens == opens  # at 08:00 Dutch winter time


def test_a_round_opened_by_hand_on_a_saturday_gets_its_deadline_on_a_monday() -> None:
    # Opened on Saturday 4 July 2026: six weeks later is Saturday 15 August.
    assert deadline_for(settings(), Period(2026, 1), date(2026, 7, 4)) == date(2026, 8, 17)


def test_a_deadline_on_christmas_moves_past_the_holidays_and_the_weekend() -> None:
    # Opened by hand on 13 November: six weeks later is Friday 25 December.
    assert deadline_for(settings(), Period(2026, 1), date(2026, 11, 13)) == date(2026, 12, 28)


def test_a_reminder_on_kings_day_goes_the_working_day_before_and_an_overview_after() -> None:
    plan = timeline(settings(round_reminder_days="3"), Period(2025, 2), date(2026, 4, 30))

    # 27 April 2026 is Koningsdag (a Monday): the Friday before, 08:00 CEST.
    assert [r.at for r in plan.reminders] == [datetime(2026, 4, 24, 6, 0, tzinfo=UTC)]
    christmas = timeline(settings(), Period(2026, 1), date(2026, 12, 24))
    assert christmas.overview == datetime(2026, 12, 28, 7, 0, tzinfo=UTC)  # Monday, 08:00 CET


# The calendar does not depend on the database: SQLite alone keeps this story fast.
pytestmark = pytest.mark.sqlite_only


def test_story_the_daemon_does_not_open_the_h2_round_on_new_years_day(
    bot: Bot, smtp_sink: Any
) -> None:
    bot.clock.current = datetime(2027, 1, 1, 7, 0, tzinfo=UTC)  # 08:00 on New Year's Day
    assert "2026-H2" not in " ".join(rounds.tick(bot))

    bot.clock.current = datetime(2027, 1, 4, 7, 0, tzinfo=UTC)  # Monday 4 January, 08:00
    assert rounds.tick(bot) == ["round 2026-H2 opened: 2 invitation(s)"]
    outbox.flush(bot.engine, bot.settings, bot.clock.now())

    assert len(smtp_sink.wait_for(2)) == 2
    with Session(bot.engine) as session:
        round_ = session.get(Round, "2026-H2")
        # Six weeks from the day it opened, as for any round opened after its opening day.
        assert round_ is not None and round_.deadline == date(2027, 2, 15)
