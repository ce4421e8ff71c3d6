"""Half-year periods, written `2026-H1` (January–June) and `2026-H2` (July–December)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from mailbot.dates.localtime import DUTCH, local_day

_CANONICAL = re.compile(r"^(\d{4})-H([12])$")


@dataclass(frozen=True, order=True)
class Period:
    """One half year."""

    year: int
    half: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read the canonical form `2026-H1`; ValueError otherwise."""
        m = _CANONICAL.match(text.strip().upper())
        if not m:
            raise ValueError(f"not a period: {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def containing(cls, day: date) -> Period:
        """The half year a date falls in."""
        return cls(day.year, 1 if day.month <= 6 else 2)

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        return date(self.year, 7, 1) if self.half == 1 else date(self.year + 1, 1, 1)

    @property
    def dutch(self) -> str:
        """How a person writes it, without the article a sentence puts before it:
        `eerste halfjaar van 2026` ("over het eerste halfjaar van 2026")."""
        return f"{'eerste' if self.half == 1 else 'tweede'} halfjaar van {self.year}"

    def previous(self) -> Period:
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    def next(self) -> Period:
        return Period(self.year, 2) if self.half == 1 else Period(self.year + 1, 1)

    def has_ended(self, now: datetime, zone: ZoneInfo = DUTCH) -> bool:
        """True once the whole half year lies in the past on the Dutch calendar: at 00:30 on
        1 July in Amsterdam the first half year is over, though it is 30 June in UTC."""
        return local_day(now, zone) >= self.end

    @classmethod
    def last_ended(cls, now: datetime, zone: ZoneInfo = DUTCH) -> Period:
        """The most recent half year that has ended on the Dutch calendar."""
        return cls.containing(local_day(now, zone)).previous()
