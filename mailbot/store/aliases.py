"""The other names people write for a municipality, from the reference data in `data/`.

`gemeente_aliassen.csv` holds the names in daily use (Den Haag for 's-Gravenhage), the Dutch
and Frisian forms of Frisian municipalities, and the CBS names without their province
qualifier where only one municipality has that name (Hengelo for Hengelo (O.); never Bergen).
`gemeente_herindelingen_2021_2025.csv` gives the former municipalities that merged whole into
a current one (Weesp into Amsterdam): staff of the old office still write that name. A former
municipality split over several (Haaren) names none of them.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache
from pathlib import Path

from mailbot.reports.reference import data_dir
from mailbot.store.names import name_key

ALIASES_FILE = "gemeente_aliassen.csv"
MERGERS_FILE = "gemeente_herindelingen_2021_2025.csv"


def known_aliases(code: str | None, name: str) -> tuple[str, ...]:
    """The other names of the municipality with this CBS code (else this name), in file order."""
    by_code, by_name = _table(data_dir())
    if code is not None and code in by_code:
        return by_code[code]
    return by_name.get(name_key(name), ())


@cache  # reference data shipped with the package: read once, never changed
def _table(folder: Path) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Aliases by current CBS code and by the current name's key."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    with (folder / ALIASES_FILE).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            found[row["gemeentecode"], row["gemeentenaam"]].append(row["alias"])
    with (folder / MERGERS_FILE).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["overgang"] == "volledig":
                found[row["nieuwe_code"], row["nieuwe_naam"]].append(row["oude_naam"])
    by_code = {code: tuple(names) for (code, _), names in found.items()}
    by_name = {name_key(name): tuple(names) for (_, name), names in found.items()}
    return by_code, by_name
