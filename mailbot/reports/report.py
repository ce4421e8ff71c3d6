"""One period's report: the tables, the charts and the key figures, built in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from mailbot.periods import Period
from mailbot.reports import charts, figures, tables
from mailbot.reports.cells import Table
from mailbot.reports.rates import GEMEENTE, POLITIE, Rates, change, rates
from mailbot.reports.scope import Scope


@dataclass(frozen=True)
class Summary:
    """The few numbers the introduction and the report mail lead with (national, exact)."""

    period: Period
    current: Rates
    previous: Rates | None
    year_before: Rates | None
    invited: int
    submitted: int
    police_invited: int
    police_submitted: int

    @property
    def change_previous(self) -> float | None:
        return change(self.current.imposed, self.previous.imposed if self.previous else None)

    @property
    def change_year(self) -> float | None:
        before = self.year_before.imposed if self.year_before else None
        return change(self.current.imposed, before)

    @property
    def response(self) -> float | None:
        return self.submitted / self.invited if self.invited else None


@dataclass(frozen=True)
class Report:
    """Everything a report consists of, ready to be written as HTML, XLSX, CSV and PNG."""

    period: Period
    generated_at: datetime
    threshold: int
    tables: dict[str, Table]
    charts: dict[str, bytes]
    summary: Summary


def build(
    session: Session, period: Period, now: datetime, threshold: int = 5,
    invited: figures.Invited = figures.active_orgs,
) -> Report:
    """The report of one period from the current revisions in the database."""
    scope = Scope(figures.load(session), period, threshold, invited)
    built = tables.build_all(scope)
    return Report(period, now, threshold, built, charts.draw_all(built, period.dutch),
                  summarise(scope))


def summarise(scope: Scope) -> Summary:
    """The key figures of the period against the previous one and a year earlier."""
    def maybe(period: str) -> Rates | None:
        return rates(scope.dataset, period) if scope.has(period) else None

    invited = scope.invitees()
    police = scope.invitees(POLITIE)
    submitted = {org.id for org in scope.dataset.submitters(scope.current, GEMEENTE)}
    police_submitted = {org.id for org in scope.dataset.submitters(scope.current, POLITIE)}
    return Summary(
        period=scope.period, current=rates(scope.dataset, scope.current),
        previous=maybe(scope.previous), year_before=maybe(scope.year_before),
        invited=len(invited), submitted=sum(org.id in submitted for org in invited),
        police_invited=len(police),
        police_submitted=sum(org.id in police_submitted for org in police),
    )
