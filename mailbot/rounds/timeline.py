"""When a round's steps fall: the opening, the deadline, the reminders and the admins' overview.

Days are calendar days in `settings.round_timezone`; round mail goes out at
`settings.round_send_hour` on Dutch working days (Monday to Friday, public holidays excepted:
mailbot.dates.workdays). A step that falls on another day moves: the opening and the overview to the
working day after (a round cannot open before its half year is over), a reminder to the working
day before (so the reminded keep the days the reminder counts on). A deadline that falls on a
weekend or a holiday moves to the working day after, as the Algemene termijnenwet moves a
legal one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailbot.config import Settings
from mailbot.dates.periods import Period
from mailbot.dates.workdays import next_working_day, previous_working_day


@dataclass(frozen=True)
class Reminder:
    """One reminder step: so many days before the deadline, sent at `at`."""

    days: int
    at: datetime

    @property
    def key(self) -> str:
        """How the step is named in RoundMail rows: the number of days."""
        return str(self.days)

    @property
    def step(self) -> str:
        """How the step is named in milestones and `round status`: `reminder:14`."""
        return f"reminder:{self.days}"


@dataclass(frozen=True)
class Timeline:
    """A round's moments (aware UTC datetimes) and its deadline (a local calendar day)."""

    period: Period
    opens: datetime
    deadline: date
    reminders: tuple[Reminder, ...]
    overview: datetime


def local_day(settings: Settings, moment: datetime) -> date:
    """The calendar day a moment falls on where the organisations are."""
    return moment.astimezone(ZoneInfo(settings.round_timezone)).date()


def send_moment(settings: Settings, day: date) -> datetime:
    """The send hour of a local day, in UTC."""
    local = datetime.combine(day, time(settings.round_send_hour),
                             tzinfo=ZoneInfo(settings.round_timezone))
    return local.astimezone(UTC)


def opening_day(settings: Settings, period: Period) -> date:
    """The day the round of a period opens by itself (before the weekend rule)."""
    return period.end + timedelta(days=max(settings.round_open_days, 0))


def deadline_for(settings: Settings, period: Period, opened_on: date | None = None) -> date:
    """The deadline: so many weeks after the opening day, or after a later manual opening,
    moved to the next working day when it falls on a weekend or a public holiday."""
    start = opening_day(settings, period)
    if opened_on is not None:
        start = max(start, opened_on)
    return next_working_day(start + timedelta(weeks=settings.round_deadline_weeks))


def timeline(settings: Settings, period: Period, deadline: date | None = None) -> Timeline:
    """Every moment of a round; `deadline` is the stored one once the round is open."""
    deadline = deadline or deadline_for(settings, period)
    reminders = tuple(
        Reminder(days, send_moment(settings, previous_working_day(deadline - timedelta(days))))
        for days in sorted({d for d in settings.round_reminder_days if d >= 0}, reverse=True)
    )
    return Timeline(
        period=period,
        opens=send_moment(settings, next_working_day(opening_day(settings, period))),
        deadline=deadline,
        reminders=reminders,
        overview=send_moment(settings, next_working_day(deadline + timedelta(days=1))),
    )


def is_after(settings: Settings, deadline: date, moment: datetime) -> bool:
    """True when the moment falls after the deadline day (the deadline day itself counts)."""
    return local_day(settings, moment) > deadline
