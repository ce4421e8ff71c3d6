"""Police figures beside the municipal ones: per police unit, the huisverboden of its area.

A police unit reports for its whole area, the municipalities each for their own part. So a
ratio of the two (huisverboden per ingevuld RiHG) counts only the units that reported and, for
the huisverboden, only the municipalities in those units' areas; beside it stands the share of
the area's municipalities that reported (its coverage), and below `min_response` the ratio is
not shown: it would divide the figures of a few municipalities by those of the whole area.
"""

from __future__ import annotations

from mailbot.forms import load_form
from mailbot.reports.cells import Cell, Column
from mailbot.reports.figures import Org
from mailbot.reports.rates import GEMEENTE, POLITIE
from mailbot.reports.reference import unit_of_police, unit_of_region
from mailbot.reports.scope import NATIONAL, Scope
from mailbot.reports.suppress import ratio, withhold

UNKNOWN_UNIT = "(onbekende eenheid)"
COVERAGE = Column("Gemeenten in het gebied ingezonden", "percent")
RIHG_COLUMNS = (Column("Opgelegde huisverboden per ingevuld RiHG (politie)", "ratio"),
                Column("Dekking RiHG: gemeenten ingezonden in het gebied van de "
                       "politie-eenheden die inzonden", "percent"))
RIHG_NOTE = ("Per RiHG: opgelegde huisverboden van de gemeenten in het gebied van de "
             "politie-eenheden die inzonden, gedeeld door de ingevulde RiHG's van die eenheden; "
             "de dekking zegt welk deel van de gemeenten in dat gebied inzond. Onder de "
             "drempel voor de respons staat er geen verhouding.")


def _unit(org: Org) -> str:
    return unit_of_region(org.region) or UNKNOWN_UNIT


def _area(scope: Scope, period: str, units: set[str]) -> tuple[list[Org], list[Org]]:
    """The invited and the submitting municipalities in these police units' areas."""
    invited = [org for org in scope.invitees() if _unit(org) in units]
    submitted = [org for org in scope.dataset.submitters(period, GEMEENTE) if _unit(org) in units]
    return invited, submitted


def _imposed(scope: Scope, period: str, members: list[Org]) -> Cell:
    """Opgelegde huisverboden of these municipalities, a sum of whole regions. It adds nothing
    to what the regional and national totals tell when it holds none or all of the regions
    whose total is withheld; otherwise it is withheld itself (it would split their sum)."""
    total = scope.dataset.total(period, GEMEENTE, members)["1"]
    withheld = scope.withheld(period).regions.get("1", frozenset())
    inside = {org.region for org in members} & withheld
    if inside and inside != withheld:
        return withhold(total, scope.threshold)
    return scope.hide(total)


def _coverage(invited: list[Org], submitted: list[Org]) -> float | None:
    asked = {org.id for org in invited}
    return sum(org.id in asked for org in submitted) / len(asked) if asked else None


def _per_rihg(scope: Scope, imposed: Cell, rihg_forms: Cell, coverage: float | None) -> Cell:
    if coverage is None or coverage < scope.min_response:
        return None
    if not isinstance(imposed, int) or not isinstance(rihg_forms, int):
        return None
    return ratio(imposed, rihg_forms, scope.threshold)


def rihg(scope: Scope, period: str) -> tuple[Cell, Cell]:
    """The national huisverboden per ingevuld RiHG over the reporting units, and coverage."""
    police = scope.dataset.submitters(period, POLITIE)
    units = {unit for org in police if (unit := unit_of_police(org)) is not None}
    if not units:
        return None, None
    invited, submitted = _area(scope, period, units)
    coverage = _coverage(invited, submitted)
    forms = scope.national_cell(period, "4", scope.dataset.total(period, POLITIE, police)["4"],
                                POLITIE)
    return _per_rihg(scope, _imposed(scope, period, submitted), forms, coverage), coverage


def unit_rows(scope: Scope) -> list[tuple[Cell, ...]]:
    """One row per police organisation (suppressed), then the national row."""
    keys = load_form(POLITIE).keys
    submitted = scope.dataset.submitters(scope.current, POLITIE)
    police = {org.id: org for org in scope.invitees(POLITIE) + submitted}.values()
    rows: list[tuple[Cell, ...]] = []
    for unit, org in sorted(((unit_of_police(o) or UNKNOWN_UNIT, o) for o in police),
                            key=lambda pair: (pair[0] == UNKNOWN_UNIT, pair[0], pair[1].name)):
        rows.append(_unit_row(scope, unit, org, keys))
    sums = scope.dataset.total(scope.current, POLITIE)
    municipal = scope.dataset.submitters(scope.current, GEMEENTE)
    national = [scope.national_cell(scope.current, key, sums[key], POLITIE) for key in keys]
    rows.append((NATIONAL, "", *national,
                 scope.national_cell(scope.current, "1",
                                     scope.dataset.total(scope.current, GEMEENTE)["1"]),
                 _coverage(scope.invitees(), municipal), *rihg(scope, scope.current)[:1]))
    return rows


def _unit_row(scope: Scope, unit: str, org: Org, keys: tuple[str, ...]) -> tuple[Cell, ...]:
    answers = scope.dataset.of(scope.current, POLITIE, org)
    values = [None if answers is None else scope.hide(answers.get(key)) for key in keys]
    if unit == UNKNOWN_UNIT:
        return (unit, org.name, *values, None, None, None)
    invited, submitted = _area(scope, scope.current, {unit})
    imposed = _imposed(scope, scope.current, submitted) if submitted else None
    coverage = _coverage(invited, submitted)
    forms = None if answers is None else answers.get("4", 0)
    return (unit, org.name, *values, imposed, coverage,
            _per_rihg(scope, imposed, forms, coverage))
