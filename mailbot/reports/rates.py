"""The ratios analysts ask for, for a set of municipalities in one period.

Denominators only count organisations that submitted: a municipality that sent nothing must
not make its region look quieter. Population counts only where it is known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mailbot.reports.disclosure import safe
from mailbot.reports.figures import Dataset, Org
from mailbot.reports.suppress import Hidden, ratio, suppress

GEMEENTE = "gemeente"
POLITIE = "politie"
PER = 100_000


@dataclass(frozen=True)
class Rates:
    """Counts and ratios of the municipal form; a ratio is None when it cannot be shown."""

    submitted: int
    imposed: int  # vraag 1
    extended: int  # vraag 5
    withdrawn: int  # vraag 4
    provisional: int  # vraag 8
    unfounded: int  # vraag 9
    population: int  # inhabitants of the submitters whose population is known
    per_100k: float | None
    extended_per_imposed: float | None
    withdrawn_per_imposed: float | None
    provisional_per_imposed: float | None
    unfounded_per_provisional: float | None

    def get(self, name: str) -> float | None:
        """A ratio by its attribute name (tables list them as data)."""
        value = getattr(self, name)
        return None if value is None else float(value)


# The ratios in the order tables show them: attribute name, Dutch label.
RATIOS: tuple[tuple[str, str], ...] = (
    ("per_100k", "Opgelegde huisverboden per 100.000 inwoners"),
    ("extended_per_imposed", "Verlengingen per opgelegd huisverbod"),
    ("withdrawn_per_imposed", "Ingetrokken per opgelegd huisverbod"),
    ("provisional_per_imposed", "Voorlopige voorzieningen per opgelegd huisverbod"),
    ("unfounded_per_provisional", "Ongegrond verklaard per voorlopige voorziening"),
)


def rates(dataset: Dataset, period: str, orgs: Iterable[Org] | None = None,
          threshold: int = 1, withheld: frozenset[str] = frozenset(), guard: int = 1) -> Rates:
    """The rates over these municipalities (default: all that submitted), as published under
    `threshold` (1: exact); a ratio of a count in `withheld` (question keys whose total is not
    published, mailbot.reports.disclosure) is not shown either. With `guard` (the published
    threshold of a national figure), the rate per inhabitant is left out when, beside the
    total, it would tell the huisverboden of the municipalities without a known population."""
    pool = dataset.submitters(period, GEMEENTE) if orgs is None else list(orgs)
    submitted = [org for org in pool if dataset.of(period, GEMEENTE, org) is not None]
    sums = dataset.total(period, GEMEENTE, submitted)
    known = [org for org in submitted if org.population]
    population = sum(org.population or 0 for org in known)
    imposed_known = dataset.total(period, GEMEENTE, known)["1"]
    per_100k = ratio(imposed_known, population)
    if isinstance(suppress(imposed_known, threshold), Hidden) or "1" in withheld \
            or not _rest_is_safe(dataset, period, submitted, max(threshold, guard)):
        per_100k = None  # a rate of a withheld count gives the count away

    def shown(top: str, bottom: str) -> float | None:
        if top in withheld or bottom in withheld:
            return None
        return ratio(sums[top], sums[bottom], threshold)

    return Rates(
        submitted=len(submitted), imposed=sums["1"], extended=sums["5"], withdrawn=sums["4"],
        provisional=sums["8"], unfounded=sums["9"], population=population,
        per_100k=None if per_100k is None else per_100k * PER,
        extended_per_imposed=shown("5", "1"), withdrawn_per_imposed=shown("4", "1"),
        provisional_per_imposed=shown("8", "1"), unfounded_per_provisional=shown("9", "8"),
    )


def _rest_is_safe(dataset: Dataset, period: str, submitted: list[Org], threshold: int) -> bool:
    """The rate counts the municipalities with a known population; with the total beside it,
    it tells the huisverboden of the others, which must give no withheld count away."""
    rest = [(dataset.of(period, GEMEENTE, org) or {}).get("1", 0)
            for org in submitted if not org.population]
    return threshold <= 1 or safe([value for value in rest if 0 < value < threshold], threshold)


def change(current: float | None, before: float | None) -> float | None:
    """The relative change from `before` to `current`, or None when it has no meaning."""
    if current is None or before is None or before == 0:
        return None
    return (current - before) / before
