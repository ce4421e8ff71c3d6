"""One period's report: the tables, the charts and the key figures, built in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from mailbot.dates.periods import Period
from mailbot.reports import charts, figures, tables
from mailbot.reports.cells import Cell, Table
from mailbot.reports.rates import GEMEENTE, POLITIE, Rates, change, rates
from mailbot.reports.scope import MIN_RESPONSE, Scope


@dataclass(frozen=True)
class Summary:
    """The few numbers the introduction and the report mail lead with (national; exact unless
    a total would give a withheld count away, mailbot.reports.disclosure)."""

    period: Period
    current: Rates
    previous: Rates | None
    year_before: Rates | None
    invited: int
    submitted: int
    police_invited: int
    police_submitted: int
    imposed: Cell = None  # opgelegde huisverboden as published
    provisional: Cell = None  # voorlopige voorzieningen as published
    min_response: float = MIN_RESPONSE

    @property
    def low_response(self) -> bool:
        """True when too few invited municipalities answered for national figures to stand
        for the whole country: the report and its mail then say so first."""
        return self.response is None or self.response < self.min_response

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
    invited: figures.Invited = figures.active_orgs, min_response: float = MIN_RESPONSE,
) -> Report:
    """The report of one period from the current revisions in the database."""
    scope = Scope(figures.load(session), period, threshold, invited, min_response)
    built = tables.build_all(scope)
    return Report(period, now, threshold, built, charts.draw_all(built, period.dutch),
                  summarise(scope))


def summarise(scope: Scope) -> Summary:
    """The key figures of the period against the previous one and a year earlier."""
    hidden_now = scope.withheld(scope.current).national

    def maybe(period: str) -> Rates | None:
        # A change of a withheld total would give it away: no earlier figure to compare with.
        if not scope.has(period) or "1" in hidden_now | scope.withheld(period).national:
            return None
        return rates(scope.dataset, period)

    invited = scope.invitees()
    police = scope.invitees(POLITIE)
    submitted = {org.id for org in scope.dataset.submitters(scope.current, GEMEENTE)}
    police_submitted = {org.id for org in scope.dataset.submitters(scope.current, POLITIE)}
    current = scope.national_rates(scope.current)
    return Summary(
        period=scope.period, current=current,
        previous=maybe(scope.previous), year_before=maybe(scope.year_before),
        invited=len(invited), submitted=sum(org.id in submitted for org in invited),
        police_invited=len(police),
        police_submitted=sum(org.id in police_submitted for org in police),
        imposed=scope.national_cell(scope.current, "1", current.imposed),
        provisional=scope.national_cell(scope.current, "8", current.provisional),
        min_response=scope.min_response,
    )
