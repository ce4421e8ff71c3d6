"""What every table is built against: the figures, the period, its comparisons, the rules."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.forms import load_form
from mailbot.periods import Period
from mailbot.reports.cells import Cell, Column
from mailbot.reports.figures import Dataset, Invited, Org, regions
from mailbot.reports.rates import GEMEENTE
from mailbot.reports.suppress import suppress

NATIONAL = "Nederland"
NO_REGION_LABEL = "(geen regio)"


@dataclass(frozen=True)
class Scope:
    """What every table needs: the figures, the period and its comparisons, the rules."""

    dataset: Dataset
    period: Period
    threshold: int
    invited: Invited

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


