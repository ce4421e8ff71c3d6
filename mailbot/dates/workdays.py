"""Dutch working days: Monday to Friday, less the public holidays (the `holidays` library, NL).

The library's list is the one of the Algemene termijnenwet but for Liberation Day, which it
counts only in the years it is a national day off (every fifth year: 2025, 2030, ...).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

SATURDAY = 5


@cache
def _holidays_of(year: int) -> dict[date, str]:
    """The Dutch public holidays of a year with their Dutch names (made once per year)."""
    # Imported here: the library and its Dutch calendar take about 19 MB, which only a process
    # that plans round mail or a deadline needs (not the pass over the mail, nor the CLI).
    import holidays

    return dict(holidays.country_holidays("NL", years=year, language="nl").items())


def holiday(day: date) -> str | None:
    """The Dutch name of the public holiday on the day (`Nieuwjaarsdag`), or None."""
    return _holidays_of(day.year).get(day)


def is_working_day(day: date) -> bool:
    """True from Monday to Friday unless the day is a Dutch public holiday."""
    return day.weekday() < SATURDAY and holiday(day) is None


def next_working_day(day: date) -> date:
    """The day itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date) -> date:
    """The day itself when it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day
