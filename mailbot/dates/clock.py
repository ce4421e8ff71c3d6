"""The one source of time, injectable so tests can move it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until moved (tests, replays)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 7, 6, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        """Move forward, e.g. `advance(hours=1)`."""
        self.current += timedelta(**delta)


@dataclass
class RunningClock:
    """A clock that shows `start` when made and runs on with real time from there: for a step
    that was handed the moment it began and must know how late it is later on."""

    start: datetime
    _started: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._started)
