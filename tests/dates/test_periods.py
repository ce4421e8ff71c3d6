from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mailbot.dates.periods import Period


def test_canonical_round_trip() -> None:
    assert str(Period.parse("2026-h1")) == "2026-H1"
    assert Period.parse("2026-H2").start == date(2026, 7, 1)
    assert Period.parse("2026-H2").end == date(2027, 1, 1)


@pytest.mark.parametrize("text", ["2026", "2026-H3", "H1", ""])
def test_refuses_non_periods(text: str) -> None:
    with pytest.raises(ValueError):
        Period.parse(text)


def test_a_period_ends_on_the_first_day_after_it_on_the_dutch_calendar() -> None:
    h1 = Period(2026, 1)
    assert not h1.has_ended(datetime(2026, 6, 30, 21, 59, tzinfo=UTC))  # 23:59 CEST
    assert h1.has_ended(datetime(2026, 6, 30, 22, 30, tzinfo=UTC))  # 00:30 CEST on 1 July
    assert not Period(2026, 2).has_ended(datetime(2026, 12, 31, 22, 59, tzinfo=UTC))
    assert Period(2026, 2).has_ended(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))  # 00:30 CET
    assert Period.last_ended(datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == h1
    assert Period.last_ended(datetime(2026, 7, 6, tzinfo=UTC)) == h1
    assert Period.last_ended(datetime(2027, 2, 1, tzinfo=UTC)) == Period(2026, 2)
    assert h1.previous() == Period(2025, 2) and h1.next() == Period(2026, 2)
    assert h1.dutch == "eerste halfjaar van 2026"
    assert h1.next().dutch == "tweede halfjaar van 2026"
