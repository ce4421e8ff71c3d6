"""When a round's steps fall: opening, deadline, reminders on working days, the overview."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mailbot.config import Settings
from mailbot.dates.periods import Period
from mailbot.rounds.timeline import is_after, timeline


def settings(**extra: object) -> Settings:
    return Settings(**extra)  # type: ignore[arg-type]


def test_2026_h1_opens_on_the_first_of_july_with_a_deadline_six_weeks_later() -> None:
    plan = timeline(settings(), Period(2026, 1))

    assert plan.opens == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # 08:00 in Amsterdam (CEST)
    assert plan.deadline == date(2026, 8, 12)
    assert [(r.days, r.at) for r in plan.reminders] == [
        (14, datetime(2026, 7, 29, 6, 0, tzinfo=UTC)),  # a Wednesday
        (3, datetime(2026, 8, 7, 6, 0, tzinfo=UTC)),  # Sunday 9 August: the Friday before
    ]
    assert plan.overview == datetime(2026, 8, 13, 6, 0, tzinfo=UTC)  # the day after


def test_the_second_half_year_opens_in_january_in_winter_time() -> None:
    plan = timeline(settings(), Period(2025, 2))

    assert plan.opens == datetime(2026, 1, 2, 7, 0, tzinfo=UTC)  # 08:00 CET, after New Year's Day
    assert plan.deadline == date(2026, 2, 12)  # six weeks from the 1st


@pytest.mark.parametrize(("period", "opens_on", "deadline"), [
    # Saturday 1 July 2028: the Monday after; 12 August is a Saturday too.
    (Period(2028, 1), date(2028, 7, 3), date(2028, 8, 14)),
    # Sunday 1 July 2029: the Monday after; 12 August is a Sunday too.
    (Period(2029, 1), date(2029, 7, 2), date(2029, 8, 13)),
    (Period(2027, 1), date(2027, 7, 1), date(2027, 8, 12)),  # a Thursday, and a Thursday
])
def test_an_opening_on_a_weekend_moves_to_the_monday_after(
    period: Period, opens_on: date, deadline: date
) -> None:
    plan = timeline(settings(), period)

    assert plan.opens.date() == opens_on
    assert plan.deadline == deadline  # counted from the 1st, then off the weekend


def test_the_days_and_the_deadline_are_configurable() -> None:
    custom = settings(round_open_days=14, round_deadline_weeks=4, round_reminder_days="7, 1",
                      round_send_hour=9)

    plan = timeline(custom, Period(2026, 1))

    assert plan.opens == datetime(2026, 7, 15, 7, 0, tzinfo=UTC)
    assert plan.deadline == date(2026, 8, 12)
    assert [r.days for r in plan.reminders] == [7, 1]
    assert plan.reminders[1].at == datetime(2026, 8, 11, 7, 0, tzinfo=UTC)


def test_reminder_days_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILBOT_ROUND_REMINDER_DAYS", "21,7,3")
    monkeypatch.setenv("MAILBOT_CONFIG", "/nonexistent/mailbot.toml")

    assert Settings().round_reminder_days == [21, 7, 3]


def test_the_deadline_day_itself_is_in_time() -> None:
    deadline = date(2026, 8, 12)

    assert not is_after(settings(), deadline, datetime(2026, 8, 12, 21, 59, tzinfo=UTC))
    assert is_after(settings(), deadline, datetime(2026, 8, 12, 22, 0, tzinfo=UTC))  # 00:00 CEST
