"""Times as people read them: stored as UTC, shown on the clock of the configured zone.

Every time a person reads (a mail, a CSV, the CLI) goes through here, so that summer and winter
time are right everywhere and "10:23" in a confirmation means 10:23 on the reader's clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from mailbot.config import Settings

DUTCH_ZONE = "Europe/Amsterdam"
DUTCH = ZoneInfo(DUTCH_ZONE)


def zone_of(settings: Settings) -> ZoneInfo:
    """The zone people read times in (`MAILBOT_TIMEZONE`, Europe/Amsterdam by default)."""
    return ZoneInfo(settings.timezone)


def local(moment: datetime, zone: ZoneInfo = DUTCH) -> datetime:
    """The moment on the zone's clock; a naive moment is taken as UTC (as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def local_day(moment: datetime, zone: ZoneInfo = DUTCH) -> date:
    """The calendar day the moment falls on in the zone."""
    return local(moment, zone).date()


def shown(moment: datetime, zone: ZoneInfo = DUTCH, *, seconds: bool = False) -> str:
    """A moment as a Dutch reader writes it: `06-12-2026 10:23` (local time)."""
    return local(moment, zone).strftime("%d-%m-%Y %H:%M:%S" if seconds else "%d-%m-%Y %H:%M")


def shown_day(moment: datetime, zone: ZoneInfo = DUTCH) -> str:
    """The local day of a moment: `06-12-2026`."""
    return local(moment, zone).strftime("%d-%m-%Y")


def zone_name(zone: ZoneInfo = DUTCH) -> str:
    """How the CLI names the zone its times are in: `Nederlandse tijd (Europe/Amsterdam)`."""
    return f"Nederlandse tijd ({zone.key})" if zone.key == DUTCH_ZONE else f"tijdzone {zone.key}"
