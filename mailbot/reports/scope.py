"""What every table is built against: the figures, the period, its comparisons, the rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailbot.dates.periods import Period
from mailbot.forms import load_form
from mailbot.reports import disclosure
from mailbot.reports.cells import Cell, Column
from mailbot.reports.figures import Dataset, Invited, Org, regions
from mailbot.reports.rates import GEMEENTE, Rates, rates
from mailbot.reports.suppress import suppress, withhold

NATIONAL = "Nederland"
NO_REGION_LABEL = "(geen regio)"
NO_DATA = "geen gegevens"  # in place of the figures of a region where nobody submitted
NO_DATA_NOTE = ("Geen gegevens: geen gemeente in die regio zond in (geen nul). Een streepje (–) "
                "betekent dat er niets te tonen is.")
MIN_RESPONSE = 0.5


@dataclass(frozen=True)
class Scope:
    """What every table needs: the figures, the period and its comparisons, the rules."""

    dataset: Dataset
    period: Period
    threshold: int
    invited: Invited
    # Below this share of invited municipalities answering, the report warns, and a ratio over
    # an area is not shown (it would rest on a few municipalities of that area).
    min_response: float = MIN_RESPONSE
    # The secondary suppression of each (period, form kind), worked out once when first asked.
    _withheld: dict[tuple[str, str], disclosure.Withheld] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    @property
    def current(self) -> str:
        return str(self.period)

    @property
    def previous(self) -> str:
        return str(self.period.previous())

    @property
    def year_before(self) -> str:
        return str(Period(self.period.year - 1, self.period.half))

    def has(self, period: str, kind: str = GEMEENTE) -> bool:
        """True when anything was submitted for that period."""
        return bool(self.dataset.submitters(period, kind))

    def invitees(self, kind: str = GEMEENTE) -> list[Org]:
        return list(self.invited(self.dataset, kind, self.current))

    def regional(self) -> list[str]:
        """The regions of the invited and the submitting municipalities."""
        orgs = self.invitees() + self.dataset.submitters(self.current, GEMEENTE)
        return regions(orgs)

    def hide(self, value: int | None) -> Cell:
        return suppress(value, self.threshold)

    def withheld(self, period: str, kind: str = GEMEENTE) -> disclosure.Withheld:
        """The regional and national totals of this period that must not be published."""
        if (period, kind) not in self._withheld:
            self._withheld[(period, kind)] = disclosure.withheld(self.dataset, period, kind,
                                                                 self.threshold)
        return self._withheld[(period, kind)]

    def national_rates(self, period: str) -> Rates:
        """The national rates as published: none of a withheld total."""
        return rates(self.dataset, period, withheld=self.withheld(period).national,
                     guard=self.threshold)

    def region_rates(self, period: str, region: str, members: list[Org]) -> Rates:
        """A region's rates as published: small counts and withheld totals left out."""
        return rates(self.dataset, period, members, self.threshold,
                     self.withheld(period).region(region))

    def region_cell(self, period: str, region: str, key: str, value: int | None,
                    kind: str = GEMEENTE) -> Cell:
        """A regional total as published: withheld when small or when it gives a `<5` away."""
        if value is not None and region in self.withheld(period, kind).regions.get(key, ()):
            return withhold(value, self.threshold)
        return self.hide(value)

    def national_cell(self, period: str, key: str, value: int | None,
                      kind: str = GEMEENTE) -> Cell:
        """A national total as published: exact, unless it gives a `<5` away."""
        if value is not None and key in self.withheld(period, kind).national:
            return withhold(value, self.threshold)
        return value


def no_data(width: int) -> tuple[Cell, ...]:
    """The figure cells of a region where nobody submitted: "geen gegevens", then dashes."""
    return (NO_DATA, *(None,) * (width - 1))


def region_label(region: str) -> str:
    """How a region is named in a table."""
    return region or NO_REGION_LABEL


def question_columns(kind: str) -> tuple[Column, ...]:
    """One count column per question: `1. Opgelegde huisverboden`."""
    columns = []
    for question in load_form(kind).questions:
        label = question.label.removeprefix("Aantal ").removeprefix("aantal ")
        columns.append(Column(f"{question.key}. {label[:1].upper()}{label[1:]}"))
    return tuple(columns)
