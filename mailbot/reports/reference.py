"""Reference data shipped in `data/`: which veiligheidsregio lies in which police unit."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from mailbot.reports.figures import Org
from mailbot.store.names import name_key


def data_dir() -> Path:
    """The packaged data (wheel install) or the repository's `data/`."""
    packaged = Path(__file__).parent.parent / "data"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent.parent / "data"


@cache
def police_units() -> dict[str, str]:
    """Region name key -> the police unit (politie-eenheid) the region lies in."""
    with (data_dir() / "veiligheidsregios_2025.csv").open(encoding="utf-8") as fh:
        return {name_key(row["veiligheidsregio"]): row["politie_eenheid"]
                for row in csv.DictReader(fh)}


def unit_of_region(region: str) -> str | None:
    """The police unit of a veiligheidsregio, or None when the region is not known."""
    return police_units().get(name_key(region))


def unit_of_police(org: Org) -> str | None:
    """The unit a police organisation reports for: its region, else its name, names a unit."""
    units = sorted(set(police_units().values()), key=len, reverse=True)
    for text in (org.region, org.name):
        key = name_key(text)
        for unit in units:
            if key and name_key(unit) in key:
                return unit
    return None
