"""Secondary suppression: no published sum may give a withheld count away by subtraction.

The table of municipalities shows every count from 1 to threshold-1 as `<5`. A region's total
minus the counts shown beside it is the sum of its withheld counts; when that sum pins them
down (one withheld count; or all of them 1; or all threshold-1), the total must be withheld
too. The reader may be one of the municipalities (its feedback mail shows its own figure), so
the sum must pin nothing down with any one of the withheld counts taken out as well: at least
three withheld counts, and no combination of them that only one spread of values can make.

Regions withheld this way are completed against the national total: national minus the shown
regions is the sum of the withheld regions, so the withheld counts of all withheld regions
together must be safe as well; when they are not, the region with the smallest total that has
withheld counts is withheld too, until they are. A national total whose withheld counts are
not safe is withheld itself. A count withheld only for this reason is shown as `x`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from mailbot.forms import load_form
from mailbot.reports.figures import Dataset, Org, regions


@dataclass(frozen=True)
class Withheld:
    """Per question key: the regions whose total is withheld, and whether the national is."""

    regions: dict[str, frozenset[str]]
    national: frozenset[str]

    def region(self, region: str) -> frozenset[str]:
        """The question keys whose total is withheld for this region."""
        return frozenset(key for key, names in self.regions.items() if region in names)


NOTHING = Withheld({}, frozenset())


def safe(withheld: Sequence[int], threshold: int) -> bool:
    """True when the sum of these withheld counts, once known, gives none of them away, not even
    to a reader who knows one of them (its own)."""
    if not withheld:
        return True
    return len(withheld) >= 3 and all(_undetermined(rest, threshold)
                                      for rest in _views(withheld))


def _views(withheld: Sequence[int]) -> Iterator[list[int]]:
    """The counts, and the counts without each distinct value once (what an insider sees)."""
    yield list(withheld)
    for value in set(withheld):
        rest = list(withheld)
        rest.remove(value)
        yield rest


def _undetermined(withheld: Sequence[int], threshold: int) -> bool:
    """More than one spread of values from 1 to threshold-1 has this sum (with two or more
    counts: anything but all the smallest or all the largest value)."""
    count, total = len(withheld), sum(withheld)
    return count >= 2 and count < total < count * (threshold - 1)


def withheld(dataset: Dataset, period: str, kind: str, threshold: int) -> Withheld:
    """Which regional and national totals of this period's form must not be published."""
    if threshold <= 1:
        return NOTHING
    members = dataset.submitters(period, kind)
    names = regions(members)
    by_region: dict[str, dict[str, list[int]]] = {key: {} for key in load_form(kind).keys}
    totals: dict[str, dict[str, int]] = {key: {} for key in by_region}
    for org in members:
        for key, value in (dataset.of(period, kind, org) or {}).items():
            if key in by_region:
                _count(by_region[key], totals[key], org, value, threshold)
    out = {key: _regions(by_region[key], totals[key], names, threshold) for key in by_region}
    national = frozenset(key for key, cells in by_region.items()
                         if not safe([v for values in cells.values() for v in values], threshold))
    return Withheld(out, national)


def _count(cells: dict[str, list[int]], totals: dict[str, int], org: Org, value: int,
           threshold: int) -> None:
    totals[org.region] = totals.get(org.region, 0) + value
    cells.setdefault(org.region, [])
    if 0 < value < threshold:
        cells[org.region].append(value)


def _regions(cells: dict[str, list[int]], totals: dict[str, int], names: list[str],
             threshold: int) -> frozenset[str]:
    """The regions whose total of one question is withheld, completed against the nation."""
    out = {name for name in names
           if 0 < totals.get(name, 0) < threshold or not safe(cells.get(name, []), threshold)}
    while out and not safe([v for name in out for v in cells.get(name, [])], threshold):
        others = [name for name in names if name not in out and cells.get(name)]
        if not others:
            break
        out.add(min(others, key=lambda name: (totals.get(name, 0), name)))
    return frozenset(out)
