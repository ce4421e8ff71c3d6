"""The clocks: a running clock starts at the moment it is given and never goes back."""

from __future__ import annotations

from datetime import UTC, datetime

from mailbot.dates.clock import RunningClock

START = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)


def test_a_running_clock_runs_on_from_its_start() -> None:
    clock = RunningClock(START)
    first, second = clock.now(), clock.now()
    assert START <= first <= second
    assert first.tzinfo is UTC
